/**
 * `PollerTurn` on Redis: the fenced poller lease of `redis/poller-lease.ts`, renewed every third of its time while
 * held, and the queue's offset saved with the lease's token. The turn counts as held only until the lease time has
 * passed since the last renewal was sent (the local clock), so a replica whose renewals stop getting through stops
 * polling before another may take over; a save from a turn another replica took since is refused by Redis.
 */
import type { Logger } from 'pino'
import type { PollerTurn, TurnAttempt } from '../intake/poller-turn.js'
import type { FencedLease } from './redis/fenced-lease.js'
import {
  acquirePollerLease,
  releasePollerLease,
  renewPollerLease,
  saveFencedOffset,
  sharedOffset,
} from './redis/poller-lease.js'
import type { RedisStore } from './redis-store.js'

/** How the turn is held and observed. */
export interface RedisPollerTurnOptions {
  /** This replica's name in the lease (host, pid and a random part). */
  readonly owner: string
  /** How long the lease lasts unless renewed: the longest a killed poller's queue goes unpolled. */
  readonly ttlMs: number
  readonly log: Logger
  /** Told when this replica takes a new turn or loses one (metrics). */
  readonly onTurn?: (outcome: 'taken' | 'lost') => void
}

/** The turn to poll the queue named `queue` (the offset's name, e.g. `fetch:<botId>`). */
export function redisPollerTurn(store: RedisStore, queue: string, options: RedisPollerTurnOptions): PollerTurn {
  const { client, keys } = store
  const { owner, ttlMs, log } = options
  /** The newest lease this replica was given: offsets are saved with its token even after a release. */
  let term: FencedLease | undefined
  let validUntil = 0
  let timer: NodeJS.Timeout | undefined
  const lose = (): void => {
    if (validUntil > 0) options.onTurn?.('lost')
    validUntil = 0
    if (timer) clearInterval(timer)
    timer = undefined
  }
  const renew = async (): Promise<void> => {
    const lease = term
    if (lease === undefined || validUntil === 0) return
    const sentAt = Date.now()
    try {
      if (await renewPollerLease(client, keys, queue, lease)) {
        if (term === lease && validUntil > 0) validUntil = sentAt + lease.ttlMs
      } else if (term === lease) lose()
    } catch {
      // Redis away: the turn lapses by the local clock unless a renewal gets through in time.
    }
  }
  return {
    async take(): Promise<TurnAttempt> {
      if (term !== undefined && Date.now() < validUntil) return { held: true, fresh: false }
      const sentAt = Date.now()
      const attempt = await acquirePollerLease(client, keys, queue, owner, ttlMs)
      if (!attempt.held) {
        lose()
        return { held: false, retryMs: attempt.retryMs }
      }
      const fresh = term?.token !== attempt.lease.token
      term = attempt.lease
      validUntil = sentAt + attempt.lease.ttlMs
      if (fresh) options.onTurn?.('taken')
      if (timer === undefined) {
        timer = setInterval(() => void renew(), Math.max(20, Math.floor(ttlMs / 3)))
        timer.unref()
      }
      return { held: true, fresh }
    },
    held: () => term !== undefined && Date.now() < validUntil,
    async release() {
      const lease = term
      const wasHeld = validUntil > 0
      lose()
      if (lease === undefined || !wasHeld) return
      await releasePollerLease(client, keys, queue, lease).catch(() => false)
    },
    load: () => sharedOffset(client, keys, queue),
    async save(offset) {
      const lease = term
      if (lease === undefined) return
      if ((await saveFencedOffset(client, keys, queue, lease, offset)) === 'stale-token') {
        lose()
        log.warn({ offset }, 'fetch mode: another replica polls now; this replica no longer saves the offset')
      }
    },
  }
}
