/**
 * The one outbound scheduler of a portal: every REST request of the service asks it for a slot first. It keeps
 * the client-side leaky bucket, a cap on requests in flight, portal-wide cooldowns after 503/429 and failures,
 * and per-method holds driven by `time.operating` and 429 OPERATION_TIME_LIMIT. Calls (handlers' `ctx.api`, sends,
 * polling) go before reads, and while calls were made recently reads leave `reserve` requests of the burst to them.
 * @see https://apidocs.bitrix24.com/limits.html
 */
import type { RestTime } from '../bitrix/port.js'
import { type BackoffPolicy, backoffDelay } from './backoff.js'
import { LeakyBucket } from './leaky-bucket.js'

/** What happened to the request a slot was used for. */
export interface SlotReport {
  /** The slot was not used: its token is given back. */
  readonly unused?: boolean
  /** The portal answered 503 QUERY_LIMIT_EXCEEDED or a 429 rate answer. */
  readonly rateLimited?: boolean
  /** The portal answered 503 OVERLOAD_LIMIT. */
  readonly overloaded?: boolean
  /** 5xx, timeout or dropped connection. */
  readonly failed?: boolean
  /** `time` blocks per method from the answer (batch answers carry one per command). */
  readonly times?: ReadonlyArray<{ readonly method: string; readonly time: RestTime }>
  /** Methods the portal refused with 429 OPERATION_TIME_LIMIT. */
  readonly operatingBlocked?: readonly string[]
}

/** Permission to send one request; report what happened exactly once. */
export interface Slot {
  done(report?: SlotReport): void
}

/** Who asks for a slot: a read of the scheduler, or any other call (first in line, with its reserve). */
export type SlotKind = 'call' | 'read'

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

/** A read-only view for metrics and readiness. */
export interface GateSnapshot {
  readonly tokens: number
  readonly inFlight: number
  readonly waiting: number
  readonly cooldownMs: number
  readonly overloaded: boolean
  readonly heldMethods: readonly string[]
}

const RATE_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 }
const FAILURE_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000 }
const OVERLOAD_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 600_000 }
/** Fraction of the operating budget from which calls of a method are spaced out. */
const OPERATING_SLOW_FRACTION = 0.8
/** Seconds before the budget at which a method is held until its reset (the SDK uses the same 5 s margin). */
const OPERATING_HOLD_MARGIN_S = 5

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
  readonly #operatingLimitS: number
  readonly #random: () => number
  readonly #now: () => number
  readonly #onGrant: ((method: string, waitedMs: number) => void) | undefined
  readonly #waiters: Waiter[] = []
  readonly #reserve: number
  readonly #reserveHeldMs: number
  #lastCallAt = Number.NEGATIVE_INFINITY
  /** Method -> time (ms) before which it may not be called. */
  readonly #holdUntil = new Map<string, number>()
  /** Method -> minimum spacing (ms) while its operating time is high, and when it was last called. */
  readonly #spacing = new Map<string, { gapMs: number; lastAt: number }>()
  /** Method -> last known `operating_reset_at` in ms. */
  readonly #resetAt = new Map<string, number>()
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
    this.#operatingLimitS = options.operatingLimitS ?? 480
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
      heldMethods: [...this.#holdUntil].filter(([, until]) => until > now).map(([m]) => m),
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
        const notBefore = this.#notBefore(waiter.method)
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

  #notBefore(method: string): number {
    const hold = this.#holdUntil.get(method) ?? 0
    const spacing = this.#spacing.get(method)
    return Math.max(hold, spacing ? spacing.lastAt + spacing.gapMs : 0)
  }

  #grant(waiter: Waiter, now: number): void {
    this.#inFlight++
    const spacing = this.#spacing.get(waiter.method)
    if (spacing) spacing.lastAt = now
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
    for (const { method, time } of report.times ?? []) this.#learnOperating(method, time, now)
    for (const method of report.operatingBlocked ?? []) {
      const reset = this.#resetAt.get(method)
      this.#holdUntil.set(method, reset !== undefined && reset > now ? reset + 1_000 : now + 60_000)
    }
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

  /** Spaces out a method whose `time.operating` nears the budget, and holds it at the budget until the reset. */
  #learnOperating(method: string, time: RestTime, now: number): void {
    if (time.operatingResetAt !== undefined) this.#resetAt.set(method, time.operatingResetAt * 1000)
    const operating = time.operating
    if (operating === undefined) return
    const limit = this.#operatingLimitS
    if (operating >= limit - OPERATING_HOLD_MARGIN_S) {
      const reset = this.#resetAt.get(method)
      this.#holdUntil.set(method, reset !== undefined && reset > now ? reset + 1_000 : now + 60_000)
    } else if (operating >= limit * OPERATING_SLOW_FRACTION) {
      const pressure = (operating - limit * OPERATING_SLOW_FRACTION) / (limit * (1 - OPERATING_SLOW_FRACTION))
      this.#spacing.set(method, { gapMs: Math.round(250 + pressure * 4_750), lastAt: now })
    } else {
      this.#spacing.delete(method)
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
