const BASKET_MS = 60_000
const BASKETS = 10

/** The operating figures a response's `time` block carries for one method. */
export interface OperatingSnapshot {
  /** Seconds accumulated by the method in the current 10-minute window. */
  operating: number
  /** Unix seconds when the oldest non-empty basket expires. */
  resetAt: number
}

/**
 * Per-method operating time as `limits.md` describes it: seconds kept in ten one-minute baskets;
 * a method whose total is over the limit is refused with 429 OPERATION_TIME_LIMIT.
 */
export class OperatingTimeTracker {
  readonly #baskets = new Map<string, Map<number, number>>()

  readonly #limitS: number
  readonly #clock: () => number

  constructor(limitS: number, clock: () => number) {
    this.#limitS = limitS
    this.#clock = clock
  }

  /** Whether the method is currently over its limit. */
  isBlocked(method: string): boolean {
    return this.snapshot(method).operating > this.#limitS
  }

  /** Charges `seconds` to the method in the current basket. */
  charge(method: string, seconds: number): void {
    if (seconds <= 0) return
    const key = method.toLowerCase()
    const baskets = this.#baskets.get(key) ?? new Map<number, number>()
    const minute = Math.floor(this.#clock() / BASKET_MS)
    baskets.set(minute, (baskets.get(minute) ?? 0) + seconds)
    this.#baskets.set(key, baskets)
  }

  /** The method's total and reset time, dropping baskets older than the window. */
  snapshot(method: string): OperatingSnapshot {
    const now = this.#clock()
    const currentMinute = Math.floor(now / BASKET_MS)
    const baskets = this.#baskets.get(method.toLowerCase())
    let operating = 0
    let oldest = Number.POSITIVE_INFINITY
    for (const [minute, seconds] of baskets ?? []) {
      if (minute <= currentMinute - BASKETS) {
        baskets?.delete(minute)
        continue
      }
      operating += seconds
      oldest = Math.min(oldest, minute)
    }
    const resetAtMs = Number.isFinite(oldest) ? (oldest + BASKETS) * BASKET_MS : now + BASKETS * BASKET_MS
    return { operating: Math.round(operating * 1e4) / 1e4, resetAt: Math.floor(resetAtMs / 1000) }
  }

  /** Forgets all charges. */
  reset(): void {
    this.#baskets.clear()
  }
}
