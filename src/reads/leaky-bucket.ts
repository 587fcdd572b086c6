/**
 * A client-side mirror of the portal's leaky bucket: each request raises the level by one, the level drains at
 * `perSec`, and a request is allowed only while the level stays at or below `burst`.
 * @see https://apidocs.bitrix24.com/limits.html
 */

/** Leaky-bucket parameters: burst X and drain Y per second. */
export interface BucketOptions {
  readonly burst: number
  readonly perSec: number
  readonly now?: () => number
}

/** The portal's request budget as this process sees it. */
export class LeakyBucket {
  readonly burst: number
  readonly perSec: number
  readonly #now: () => number
  #level = 0
  #at: number

  constructor(options: BucketOptions) {
    // One request of headroom: network jitter can bunch requests closer together at the portal than they left here.
    this.burst = Math.max(1, options.burst - 1)
    this.perSec = options.perSec
    this.#now = options.now ?? Date.now
    this.#at = this.#now()
  }

  /** Requests that can be sent right now. */
  get available(): number {
    return Math.max(0, Math.floor(this.burst - this.#drained() + 1e-9))
  }

  /** Requests in the bucket now (0 = idle), draining at `perSec`. */
  get level(): number {
    return this.#drained()
  }

  /**
   * Takes one request if the budget allows while leaving `keep` requests of the burst untaken: returns 0, or the
   * milliseconds until one is available.
   */
  tryTake(keep = 0): number {
    const level = this.#drained()
    const cap = Math.max(1, this.burst - keep)
    if (level + 1 <= cap + 1e-9) {
      this.#level = level + 1
      return 0
    }
    return Math.ceil(((level + 1 - cap) / this.perSec) * 1000)
  }

  /** Gives back a request that was taken but not sent. */
  refund(): void {
    this.#level = Math.max(0, this.#drained() - 1)
  }

  /** The portal said the bucket is full (503): believe it. */
  fill(): void {
    this.#drained()
    this.#level = this.burst
  }

  #drained(): number {
    const now = this.#now()
    this.#level = Math.max(0, this.#level - ((now - this.#at) / 1000) * this.perSec)
    this.#at = now
    return this.#level
  }
}
