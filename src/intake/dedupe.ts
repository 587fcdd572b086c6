/** Event keys remembered for dedupe, in memory and in the state store. */
export const SEEN_CAPACITY = 100_000

/** Remembers recently seen keys (bot + message id) so a redelivered event is processed once; bounded, oldest forgotten first. */
export class RecentKeys {
  readonly #keys = new Set<string>()
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** Records `key`; false when it was already seen. */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false
    this.#keys.add(key)
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.values().next().value
      if (oldest !== undefined) this.#keys.delete(oldest)
    }
    return true
  }

  /** Forgets `key` (used when an event was seen but could not be queued). */
  delete(key: string): void {
    this.#keys.delete(key)
  }

  get size(): number {
    return this.#keys.size
  }
}
