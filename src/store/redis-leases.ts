/**
 * A portal's `DialogLeases` on Redis: the fenced read lease per dialog (`redis/read-lease.ts`), held only while the
 * dialog's read is in flight, and the shared confirmed watermark checked under it. A replica that dies mid-read
 * leaves its lease to lapse after `ttlMs`; the dialog's pending read stays in Redis for the takeover sweep.
 */
import type { DialogLeases, ReadClaim } from '../reads/dialog-leases.js'
import type { ReadTarget } from '../reads/read-method.js'
import { dialogField } from './redis/keys.js'
import { acquireReadLease, confirmRead, releaseReadLease } from './redis/read-lease.js'
import type { RedisStore } from './redis-store.js'

/** How the leases are held and observed. */
export interface RedisLeasesOptions {
  /** This replica's name in the lease (host, pid and a random part). */
  readonly owner: string
  /** How long a lease lasts: longer than a read request can take (`B24_REQUEST_TIMEOUT_MS` plus a margin). */
  readonly ttlMs: number
  /** Longest wait for a lease another replica holds before the read fails as transient (and is retried). */
  readonly maxWaitMs: number
  /** Told each claim's outcome (metrics). */
  readonly onLease?: (outcome: 'taken' | 'refused' | 'lost') => void
  /** OAuth mode: the portal's `member_id`, scoping the lease and the watermarks as the store scopes them. */
  readonly portal?: string
}

/** The smallest pause between two tries for a lease held elsewhere. */
const RETRY_MIN_MS = 20

/** The read leases of one portal's dialogs (`options.portal` undefined: keys not scoped by portal). */
export function redisLeases(store: RedisStore, options: RedisLeasesOptions): DialogLeases {
  const { client, keys } = store
  return {
    async claim(target: ReadTarget): Promise<ReadClaim> {
      const { portal } = options
      const dialog = { ...(portal === undefined ? {} : { portal }), botId: target.botId, dialogId: target.dialogId }
      const giveUpAt = Date.now() + options.maxWaitMs
      for (;;) {
        const attempt = await acquireReadLease(client, keys, dialog, options.owner, options.ttlMs)
        if (attempt.held) {
          const { lease } = attempt
          options.onLease?.('taken')
          const confirmed = Number((await client.hget(keys.confirmed, dialogField(dialog))) ?? 0)
          if (confirmed >= target.messageId) {
            await releaseReadLease(client, keys, dialog, lease)
            return { send: false }
          }
          return {
            send: true,
            async settle(ok) {
              try {
                if (ok && (await confirmRead(client, keys, dialog, lease.token, target.messageId)) === 'stale-token') {
                  options.onLease?.('lost')
                }
                await releaseReadLease(client, keys, dialog, lease)
              } catch {
                // Redis away: the lease lapses by itself, and the local confirmation is written when it is back.
              }
            },
          }
        }
        options.onLease?.('refused')
        const now = Date.now()
        if (now >= giveUpAt) throw new Error('another replica holds the dialog read lease')
        const pause = Math.min(Math.max(RETRY_MIN_MS, Math.min(attempt.retryMs, 100)), giveUpAt - now)
        await new Promise((resolve) => setTimeout(resolve, pause))
      }
    },
  }
}
