/**
 * A simulated portal with one fetch-mode bot, and services (real SDK, HTTPS) started against it on demand. Every
 * service of one world shares the offset store and the state directory, so a second one is a restart of the first.
 */
import { type Portal, startPortalWithBot } from '@b24-autoread/portal-sim'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { LmdbStore } from '../../src/store/lmdb-store.js'
import { memoryLogLines } from './fake-port.js'
import { MemoryOffsetStore } from './memory-offset-store.js'

/** The fetch bot's token; log assertions check it never leaks. */
export const FETCH_BOT_TOKEN = 'fetch-bot-token-3c1e9a'

/** A portal with a fetch bot, and the services started against it. */
export interface FetchWorld {
  readonly portal: Portal
  readonly botId: number
  /** The offset store the services share (memory mode; in `lmdb` mode it stays empty). */
  readonly offsets: MemoryOffsetStore
  /** The confirmed offset as a restarted service would load it: from the memory store, or from STATE_DIR. */
  storedOffset(): Promise<number | undefined>
  readonly logs: string[]
  /** Starts a service (a restart when one ran before). */
  start(options?: {
    env?: Record<string, string>
    handlers?: readonly Middleware<EventContext>[]
  }): Promise<RunningService>
  close(): Promise<void>
}

/**
 * Starts the portal and registers the fetch-mode bot. `offsets`: `memory` shares an in-memory offset store between
 * the services; `lmdb` leaves the offset to the services' own state store in STATE_DIR, as in production.
 */
export async function startFetchWorld(
  env: Record<string, string> = {},
  offsetsIn: 'memory' | 'lmdb' = 'memory',
): Promise<FetchWorld> {
  const sim = await startPortalWithBot({
    portal: { burst: 50, drainPerSec: 2 },
    bot: { code: 'autoread_fetch', botToken: FETCH_BOT_TOKEN, eventMode: 'fetch' },
    dirPrefix: 'b24-fetch-',
  })
  const { portal, bot } = sim
  const offsets = new MemoryOffsetStore()
  const sink = memoryLogLines()
  const services: RunningService[] = []
  return {
    portal,
    botId: bot.id,
    offsets,
    async storedOffset() {
      if (offsetsIn === 'memory') return offsets.current
      const store = await LmdbStore.open({ dir: sim.stateDir })
      try {
        return store.offset(`fetch:${bot.id}`)
      } finally {
        await store.close()
      }
    },
    logs: sink.lines,
    async start(options = {}) {
      const service = await startService({
        env: {
          ...sim.env,
          LOG_LEVEL: 'debug',
          B24_POLL_INTERVAL_MS: '25',
          STATE_STORE: 'lmdb',
          SHUTDOWN_TIMEOUT_MS: '2000',
          ...env,
          ...options.env,
        },
        logDestination: sink,
        handlers: options.handlers ?? [],
        ...(offsetsIn === 'memory' ? { offsetStore: offsets } : {}),
      })
      services.push(service)
      return service
    },
    async close() {
      for (const service of services) await service.close()
      await sim.close()
    },
  }
}

/** The offsets sent with each `imbot.v2.Event.get`, in order (undefined for a call without one). */
export function polledOffsets(portal: Portal): Array<number | undefined> {
  return portal.requests
    .filter((r) => r.method === 'imbot.v2.Event.get')
    .map((r) => {
      const offset = (r.body as Record<string, unknown> | undefined)?.offset
      return typeof offset === 'number' ? offset : undefined
    })
}

/** Whether every value is at least the one before it. */
export function nonDecreasing(values: ReadonlyArray<number | undefined>): boolean {
  const defined = values.filter((v): v is number => v !== undefined)
  return defined.every((v, i) => i === 0 || v >= (defined[i - 1] as number))
}
