/**
 * The replicas compose file cannot be run here (no Docker engine), so this checks what can be checked without it:
 * it parses, the service it starts accepts its environment, and the load balancer routes by the readiness route.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'

const compose = parse(readFileSync('examples/compose.replicas.yml', 'utf8')) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } }>
  configs: { haproxy: { content: string } }
}
const readme = readFileSync('README.md', 'utf8')

/** `.env.example` as a user copies it to `.env` (empty values are unset). */
function envExample(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (match?.[1] && match[2]) env[match[1]] = match[2]
  }
  return env
}

describe('examples/compose.replicas.yml', () => {
  const service = compose.services.autoread
  const environment = service?.environment ?? {}

  it('starts three replicas of the service on Redis, with every variable it sets documented', () => {
    expect(service?.deploy?.replicas).toBe(3)
    for (const name of Object.keys(environment)) expect(readme).toContain(`\`${name}\``)
  })

  it('gives the service an environment its configuration accepts (.env.example plus the compose overrides)', () => {
    const overrides = Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [k, String(v).replace(/\$\{REDIS_PASSWORD\}/, 'secret')]),
    )
    // What .env.example asks a user to fill in (it refuses to start without an application token or events secret).
    const filled = { B24_APPLICATION_TOKEN: 'app-token-from-the-portal' }
    const config = loadConfig({ ...envExample(), ...filled, ...overrides })
    expect(config.stateStore).toBe('redis')
    expect(config.redisUrl).toBe('redis://:secret@redis:6379/0')
    expect(config.host).toBe('0.0.0.0')
    expect(config.port).toBe(3000)
  })

  it('keeps Redis on the append-only file with an fsync per write', () => {
    const command = compose.services.redis?.command ?? []
    expect(command.join(' ')).toContain('--appendonly yes')
    expect(command.join(' ')).toContain('--appendfsync always')
  })

  it('routes webhooks only to ready replicas and resends a refused one to the next', () => {
    const haproxy = compose.configs.haproxy.content
    expect(haproxy).toMatch(/option httpchk GET \/readyz\n/)
    expect(haproxy).toMatch(/retry-on [^\n]*\b503\b/)
    expect(haproxy).toContain('option redispatch')
    expect(haproxy).toMatch(/server-template autoread 3 autoread:3000/)
  })
})
