/**
 * The portal-wide leaky bucket of `limits.md`: each accepted request adds 1, the counter drains at `drainPerSec`,
 * and a request that would push it above `burst` is refused (503 QUERY_LIMIT_EXCEEDED) without adding.
 */
export class LeakyBucket {
  #level = 0
  #peak = 0
  #updatedAt: number
  readonly #burst: number
  readonly #drainPerSec: number
  readonly #clock: () => number

  constructor(burst: number, drainPerSec: number, clock: () => number) {
    this.#burst = burst
    this.#drainPerSec = drainPerSec
    this.#clock = clock
    this.#updatedAt = clock()
  }

  /** Takes one slot; returns false when the request must be refused. */
  tryTake(): boolean {
    this.#drain()
    if (this.#level + 1 > this.#burst) return false
    this.#level += 1
    this.#peak = Math.max(this.#peak, this.#level)
    return true
  }

  /** The current counter after draining. */
  level(): number {
    this.#drain()
    return this.#level
  }

  /** The highest counter reached since the last reset. */
  peak(): number {
    return this.#peak
  }

  /** Empties the bucket. */
  reset(): void {
    this.#level = 0
    this.#peak = 0
    this.#updatedAt = this.#clock()
  }

  #drain(): void {
    const now = this.#clock()
    this.#level = Math.max(0, this.#level - ((now - this.#updatedAt) / 1000) * this.#drainPerSec)
    this.#updatedAt = now
  }
}
