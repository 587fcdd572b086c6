/** Starts the real service (real SDK, real HTTPS) against a simulated portal, with logs captured in memory. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { memoryLogLines } from './fake-port.js'
import { type Portal, startPortal } from './portal/index.js'

/** Secrets used by tests; every log assertion checks none of them leaks. */
export const TEST_SECRETS = {
  botToken: 'bot-token-test-5f2a9c',
  applicationToken: 'app-token-test-71d3e0b4',
  eventsSecret: 'events-secret-test-9a8b7c6d',
} as const

/** A service and the portal it talks to. */
export interface World {
  readonly portal: Portal
  readonly service: RunningService
  readonly botId: number
  readonly logs: string[]
  readonly env: Record<string, string>
  /** Everything printed so far, joined. */
  printed(): string
  close(): Promise<void>
}

/** Options for `startWorld`. */
export interface WorldOptions {
  readonly env?: Record<string, string | undefined>
  readonly handlers?: readonly Middleware<EventContext>[]
  readonly portal?: Parameters<typeof startPortal>[0]
}

/** Starts a portal with one webhook bot and the service configured for it. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const portal = await startPortal({ burst: 50, drainPerSec: 2, ...options.portal })
  const dir = mkdtempSync(join(tmpdir(), 'b24-autoread-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, portal.caPem)
  const bot = portal.addBot({
    code: 'autoread',
    botToken: TEST_SECRETS.botToken,
    eventMode: 'webhook',
    webhookUrl: 'https://example.invalid/hook',
    applicationToken: TEST_SECRETS.applicationToken,
  })
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    B24_WEBHOOK_URL: portal.webhookUrl,
    B24_BOT_ID: String(bot.id),
    B24_BOT_TOKEN: TEST_SECRETS.botToken,
    B24_APPLICATION_TOKEN: TEST_SECRETS.applicationToken,
    B24_CA_FILE: caFile,
    STATE_STORE: 'memory',
    STATE_DIR: join(dir, 'state'),
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  const sink = memoryLogLines()
  const service = await startService({ env, logDestination: sink, handlers: options.handlers ?? [] })
  return {
    portal,
    service,
    botId: bot.id,
    logs: sink.lines,
    env,
    printed: () => sink.lines.join(''),
    async close() {
      await service.close()
      await portal.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
