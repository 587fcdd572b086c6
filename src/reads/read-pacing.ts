/**
 * When to spend a request on the reads that are ready: a pure rule, no clock of its own. Bitrix24's bucket allows at
 * most `(burst + perSec * t) * 50` dialog reads by time t, and only full batches reach that limit; a read sent alone
 * while the portal is busy costs a whole request. So a partial batch goes out at once only while the portal is idle
 * (the bucket nearly empty, where a request is refilled before the next one is needed) and dialogs become ready
 * slowly (no faster than twice the drain: each can have its own request); otherwise the reads wait for
 * the batch to fill, for the bucket to drain back to idle, or for a short bounded hold, whichever comes first.
 * A hold of `2 / perSec` means partial batches cost at most half the drain, so full batches keep the rest.
 * @see https://apidocs.bitrix24.com/limits.html
 */

/** What the pacing rule looks at. Times in ms. */
export interface PacingInput {
  readonly now: number
  /** Dialogs ready to be read. */
  readonly ready: number
  /** Dialogs that became ready in about the last second (see `ArrivalRate`), and when the last one did. */
  readonly recentReady: number
  readonly lastReadyAt: number
  /** When the oldest ready dialog started waiting. */
  readonly waitingSince: number
  /** Requests in the portal's bucket now (the client-side mirror, 0 = idle); drains at `perSec`. */
  readonly level: number
  /** The bucket's burst (its capacity). */
  readonly burst: number
  readonly perSec: number
  /** Dialogs one request can carry (50 with `batch`, 1 without). */
  readonly batchLimit: number
}

/** Send a request now, or look again after `waitMs`. */
export type PacingDecision = { readonly send: true } | { readonly send: false; readonly waitMs: number }

/** The bucket level at or below which the portal counts as idle and a single read goes at once (at least). */
export const IDLE_LEVEL = 0.5

/** The idle band of a bucket: 0.5 requests, or 2% of a larger burst (4.5 of Enterprise's 250) for jittery arrivals. */
export function idleLevel(burst: number): number {
  return Math.max(IDLE_LEVEL, burst / 50 - 0.5)
}
/** Dialogs becoming ready per second, as a multiple of the drain, up to which an idle portal reads each at once. */
export const IDLE_ARRIVALS_PER_DRAIN = 2
/** The longest a partial batch is held, whatever the plan. */
export const MAX_HOLD_MS = 2_000

/** How long a partial batch may wait for more reads on a portal draining `perSec` requests a second. */
export function holdMs(perSec: number): number {
  return Math.min(MAX_HOLD_MS, 2_000 / perSec)
}

/** Decides whether the ready reads go out now (full batch, idle portal, or held long enough) or wait. */
export function paceReads(input: PacingInput): PacingDecision {
  if (input.ready <= 0) return { send: false, waitMs: Number.POSITIVE_INFINITY }
  if (input.ready >= input.batchLimit) return { send: true }
  const idleBand = idleLevel(input.burst)
  const idle = input.level <= idleBand && input.recentReady <= IDLE_ARRIVALS_PER_DRAIN * input.perSec
  if (idle) return { send: true }
  const holdEnds = input.waitingSince + holdMs(input.perSec)
  // Nothing became ready for half the hold: the batch will not fill, holding only delays it.
  const quietAt = input.lastReadyAt + holdMs(input.perSec) / 2
  if (input.now >= holdEnds || input.now >= quietAt) return { send: true }
  const idleAt = input.now + (Math.max(0, input.level - idleBand) / input.perSec) * 1000
  const wakeAt = Math.min(holdEnds, quietAt, idleAt > input.now ? idleAt : holdEnds)
  return { send: false, waitMs: Math.max(1, Math.ceil(wakeAt - input.now)) }
}

/** Counts events over a sliding second (two fixed windows, the older one weighted by its overlap): no timers. */
export class ArrivalRate {
  #windowStart = 0
  #current = 0
  #previous = 0

  /** Counts one event at `now` (ms). */
  add(now: number): void {
    this.#roll(now)
    this.#current++
  }

  /** Events in about the last second at `now`. */
  perSecond(now: number): number {
    this.#roll(now)
    return this.#current + this.#previous * (1 - (now - this.#windowStart) / 1000)
  }

  #roll(now: number): void {
    const elapsed = now - this.#windowStart
    if (elapsed < 1000) return
    this.#previous = elapsed < 2000 ? this.#current : 0
    this.#current = 0
    this.#windowStart = now - (elapsed % 1000)
  }
}
