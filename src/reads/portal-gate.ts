/**
 * The one outbound scheduler of a portal: every REST request of the service asks it for a slot first. It keeps
 * the client-side leaky bucket, a cap on requests in flight, portal-wide cooldowns after 503/429 and failures,
 * and per-method holds driven by `time.operating` and 429 OPERATION_TIME_LIMIT. Calls (handlers' `ctx.api`, sends,
 * polling) go before reads, and while calls were made recently reads leave `reserve` requests of the burst to them.
 * @see https://apidocs.bitrix24.com/limits.html
 */
import { type BackoffPolicy, backoffDelay } from './backoff.js'
import type { GateSnapshot, Slot, SlotKind, SlotReport } from './gate-contract.js'
import { LeakyBucket } from './leaky-bucket.js'
import { OperatingHolds } from './operating-holds.js'

export type { GateSnapshot, Slot, SlotKind, SlotReport } from './gate-contract.js'

/** Gate settings. */
export interface GateOptions {
  readonly burst: number
  readonly perSec: number
  readonly maxInFlight: number
  /** Requests of the burst that reads leave to calls, while a call was made in the last `reserveHeldMs` (default 0). */
  readonly reserve?: number
  /** How long after the last call the reserve is kept (default 60 s); after that reads may use the whole burst. */
  readonly reserveHeldMs?: number
  /** The portal's operating-time budget per method in seconds (cloud: 480 per 10 minutes). */
  readonly operatingLimitS?: number
  readonly random?: () => number
  readonly now?: () => number
  /** Called when a slot is granted, with how long the caller waited. */
  readonly onGrant?: (method: string, waitedMs: number) => void
}

const RATE_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 }
const FAILURE_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000 }
const OVERLOAD_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 600_000 }
interface Waiter {
  readonly method: string
  readonly kind: SlotKind
  readonly since: number
  readonly resolve: (slot: Slot) => void
}

/** The outbound scheduler of one portal. */
export class PortalGate {
  readonly #bucket: LeakyBucket
  readonly #maxInFlight: number
  readonly #random: () => number
  readonly #now: () => number
  readonly #onGrant: ((method: string, waitedMs: number) => void) | undefined
  readonly #waiters: Waiter[] = []
  readonly #reserve: number
  readonly #reserveHeldMs: number
  #lastCallAt = Number.NEGATIVE_INFINITY
  readonly #holds: OperatingHolds
  #inFlight = 0
  #cooldownUntil = 0
  #overloadedUntil = 0
  #rateHits = 0
  #failures = 0
  #overloads = 0
  /** When the rate and failure backoffs last stepped up: requests granted before that belong to the same wave. */
  #rateStepAt = Number.NEGATIVE_INFINITY
  #failureStepAt = Number.NEGATIVE_INFINITY
  #timer: NodeJS.Timeout | undefined
  #timerAt = 0

  constructor(options: GateOptions) {
    this.#now = options.now ?? Date.now
    this.#bucket = new LeakyBucket({ burst: options.burst, perSec: options.perSec, now: this.#now })
    this.#maxInFlight = options.maxInFlight
    this.#holds = new OperatingHolds(options.operatingLimitS ?? 480)
    this.#random = options.random ?? Math.random
    this.#onGrant = options.onGrant
    this.#reserve = options.reserve ?? 0
    this.#reserveHeldMs = options.reserveHeldMs ?? 60_000
  }

  /** The client-side bucket's capacity (the burst less one request of headroom). */
  get burst(): number {
    return this.#bucket.burst
  }

  /** The bucket's drain, requests per second. */
  get perSec(): number {
    return this.#bucket.perSec
  }

  /** Requests in the client-side bucket now (0 = the portal is idle). */
  level(): number {
    return this.#bucket.level
  }

  /** Waits for a slot to call `method`: calls before reads, FIFO within each kind, skipping held methods. */
  acquire(method: string, kind: SlotKind = 'call'): Promise<Slot> {
    return new Promise((resolve) => {
      const now = this.#now()
      const waiter: Waiter = { method, kind, since: now, resolve }
      if (kind === 'call') {
        this.#lastCallAt = now
        const firstRead = this.#waiters.findIndex((w) => w.kind === 'read')
        this.#waiters.splice(firstRead < 0 ? this.#waiters.length : firstRead, 0, waiter)
      } else {
        this.#waiters.push(waiter)
      }
      this.#pump()
    })
  }

  /** For metrics and readiness. */
  snapshot(): GateSnapshot {
    const now = this.#now()
    return {
      tokens: this.#bucket.available,
      inFlight: this.#inFlight,
      waiting: this.#waiters.length,
      cooldownMs: Math.max(0, this.#cooldownUntil - now),
      overloaded: this.#overloadedUntil > now,
      heldMethods: this.#holds.held(now),
    }
  }

  /** Stops timers; waiting callers stay pending. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #pump(): void {
    const now = this.#now()
    let wakeAt = Number.POSITIVE_INFINITY
    if (now < this.#cooldownUntil) {
      wakeAt = this.#cooldownUntil
    } else {
      for (let i = 0; i < this.#waiters.length && this.#inFlight < this.#maxInFlight; ) {
        const waiter = this.#waiters[i]
        if (waiter === undefined) break
        const notBefore = this.#holds.notBefore(waiter.method)
        if (notBefore > now) {
          wakeAt = Math.min(wakeAt, notBefore)
          i++
          continue
        }
        const reserved = waiter.kind === 'read' ? this.#reserveFor(now) : 0
        const wait = this.#bucket.tryTake(reserved)
        if (wait > 0) {
          wakeAt = Math.min(wakeAt, now + wait, reserved > 0 ? this.#lastCallAt + this.#reserveHeldMs : wakeAt)
          break
        }
        this.#waiters.splice(i, 1)
        this.#grant(waiter, now)
      }
    }
    if (this.#waiters.length > 0 && Number.isFinite(wakeAt)) this.#wakeAt(wakeAt)
  }

  /** Requests a read must leave in the bucket now: the reserve, while calls were made recently. */
  #reserveFor(now: number): number {
    return now - this.#lastCallAt < this.#reserveHeldMs ? this.#reserve : 0
  }

  #grant(waiter: Waiter, now: number): void {
    this.#inFlight++
    this.#holds.granted(waiter.method, now)
    this.#onGrant?.(waiter.method, now - waiter.since)
    let reported = false
    waiter.resolve({
      done: (report = {}) => {
        if (reported) return
        reported = true
        this.#inFlight--
        this.#learn(report, now)
        this.#pump()
      },
    })
  }

  /**
   * Learns from one answer. Requests that were already in flight when a 503 or a failure was seen fail for the same
   * reason: they count as one step of the backoff, not one each (4 slots failing together must not jump 2^4).
   */
  #learn(report: SlotReport, grantedAt: number): void {
    const now = this.#now()
    if (report.unused) this.#bucket.refund()
    for (const { method, time } of report.times ?? []) this.#holds.learn(method, time, now)
    for (const method of report.operatingBlocked ?? []) this.#holds.block(method, now)
    if (report.rateLimited) {
      this.#bucket.fill()
      if (grantedAt > this.#rateStepAt) {
        this.#rateStepAt = now
        this.#cooldownUntil = Math.max(
          this.#cooldownUntil,
          now + backoffDelay(RATE_BACKOFF, this.#rateHits++, this.#random),
        )
      }
    } else if (!report.unused) {
      this.#rateHits = 0
    }
    if (report.overloaded) {
      const until = now + backoffDelay(OVERLOAD_BACKOFF, this.#overloads++, this.#random)
      this.#overloadedUntil = until
      this.#cooldownUntil = Math.max(this.#cooldownUntil, until)
    } else if (!report.unused && !report.rateLimited) {
      this.#overloads = 0
    }
    if (report.failed) {
      if (grantedAt > this.#failureStepAt) {
        this.#failureStepAt = now
        this.#cooldownUntil = Math.max(
          this.#cooldownUntil,
          now + backoffDelay(FAILURE_BACKOFF, this.#failures++, this.#random),
        )
      }
    } else if (!report.unused && !report.rateLimited && !report.overloaded) {
      this.#failures = 0
    }
  }

  #wakeAt(at: number): void {
    if (this.#timer && this.#timerAt <= at) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#pump()
      },
      Math.max(0, at - this.#now()),
    )
  }
}
