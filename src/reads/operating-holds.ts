/**
 * Per-method holds driven by Bitrix24's operating-time budget: a method whose `time.operating` nears the budget is
 * spaced out, and held until its `operating_reset_at` at the budget or after a 429 OPERATION_TIME_LIMIT.
 * @see https://apidocs.bitrix24.com/limits.html
 */
import type { RestTime } from '../bitrix/port.js'

/** Fraction of the operating budget from which calls of a method are spaced out. */
const OPERATING_SLOW_FRACTION = 0.8
/** Seconds before the budget at which a method is held until its reset (the SDK uses the same 5 s margin). */
const OPERATING_HOLD_MARGIN_S = 5

/** The operating-time holds and spacing of one portal's methods. */
export class OperatingHolds {
  readonly #limitS: number
  /** Method -> time (ms) before which it may not be called. */
  readonly #holdUntil = new Map<string, number>()
  /** Method -> minimum spacing (ms) while its operating time is high, and when it was last called. */
  readonly #spacing = new Map<string, { gapMs: number; lastAt: number }>()
  /** Method -> last known `operating_reset_at` in ms. */
  readonly #resetAt = new Map<string, number>()

  /** `limitS`: the portal's operating-time budget per method in seconds (cloud: 480 per 10 minutes). */
  constructor(limitS: number) {
    this.#limitS = limitS
  }

  /** The time (ms) before which `method` may not be called (0 when it is free). */
  notBefore(method: string): number {
    const hold = this.#holdUntil.get(method) ?? 0
    const spacing = this.#spacing.get(method)
    return Math.max(hold, spacing ? spacing.lastAt + spacing.gapMs : 0)
  }

  /** A slot for `method` was granted at `now` (its spacing counts from here). */
  granted(method: string, now: number): void {
    const spacing = this.#spacing.get(method)
    if (spacing) spacing.lastAt = now
  }

  /** The portal refused `method` with 429 OPERATION_TIME_LIMIT: hold it until its reset. */
  block(method: string, now: number): void {
    const reset = this.#resetAt.get(method)
    this.#holdUntil.set(method, reset !== undefined && reset > now ? reset + 1_000 : now + 60_000)
  }

  /** Spaces out a method whose `time.operating` nears the budget, and holds it at the budget until the reset. */
  learn(method: string, time: RestTime, now: number): void {
    if (time.operatingResetAt !== undefined) this.#resetAt.set(method, time.operatingResetAt * 1000)
    const operating = time.operating
    if (operating === undefined) return
    const limit = this.#limitS
    if (operating >= limit - OPERATING_HOLD_MARGIN_S) {
      this.block(method, now)
    } else if (operating >= limit * OPERATING_SLOW_FRACTION) {
      const pressure = (operating - limit * OPERATING_SLOW_FRACTION) / (limit * (1 - OPERATING_SLOW_FRACTION))
      this.#spacing.set(method, { gapMs: Math.round(250 + pressure * 4_750), lastAt: now })
    } else {
      this.#spacing.delete(method)
    }
  }

  /** Methods held now. */
  held(now: number): string[] {
    return [...this.#holdUntil].filter(([, until]) => until > now).map(([m]) => m)
  }
}
