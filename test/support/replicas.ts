/**
 * Several replicas of the real service (real SDK, real HTTPS) on one `redis-server` of the test's own and one
 * simulated portal, each its own `startService` with `STATE_STORE=redis`, as a deployment behind a load balancer.
 */
import { type PortalOptions, type PortalWithBot, startPortalWithBot } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { memoryLogLines } from './fake-port.js'
import { TestRedisServer } from './redis-server.js'

/** A replica's answer to one posted event. */
export interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
}

/** The deployment: Redis, the portal and the replicas. */
export interface Replicas {
  readonly redis: TestRedisServer
  readonly sim: PortalWithBot
  readonly replicas: RunningService[]
  readonly logs: string[][]
  /** Posts `event` (form-encoded, as Bitrix24 does) to replica `i`. */
  post(i: number, event: object): Promise<Answer>
  /** The status and text of replica `i`'s `/readyz`. */
  readyz(i: number): Promise<{ status: number; text: string }>
  close(): Promise<void>
}

/** Options of `startReplicas`. */
export interface ReplicasOptions {
  readonly count: number
  readonly portal?: PortalOptions
  readonly env?: Record<string, string>
  readonly redisPassword?: string
}

/** Starts Redis (append-only file on), the portal with one webhook bot, and `count` replicas. */
export async function startReplicas(options: ReplicasOptions): Promise<Replicas> {
  const redis = await TestRedisServer.start({
    appendonly: true,
    ...(options.redisPassword ? { password: options.redisPassword } : {}),
  })
  const sim = await startPortalWithBot({ portal: { burst: 50, drainPerSec: 2, ...options.portal } })
  const replicas: RunningService[] = []
  const logs: string[][] = []
  for (let i = 0; i < options.count; i++) {
    const sink = memoryLogLines()
    logs.push(sink.lines)
    const env = { ...sim.env, LOG_LEVEL: 'debug', STATE_STORE: 'redis', REDIS_URL: redis.url(), ...options.env }
    replicas.push(await startService({ env, logDestination: sink }))
  }
  const replica = (i: number): RunningService => {
    const found = replicas[i]
    if (found === undefined) throw new Error(`no replica ${i}`)
    return found
  }
  return {
    redis,
    sim,
    replicas,
    logs,
    async post(i, event) {
      const res = await fetch(`${replica(i).url}/bitrix24/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: phpHttpBuildQuery(event),
      })
      const body: unknown = await res.json()
      return { status: res.status, body: typeof body === 'object' && body !== null ? { ...body } : {} }
    },
    async readyz(i) {
      const res = await fetch(`${replica(i).url}/readyz`)
      return { status: res.status, text: await res.text() }
    },
    async close() {
      for (const r of replicas) await r.close()
      await sim.close()
      await redis.dispose()
    },
  }
}
