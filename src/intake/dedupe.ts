/** Event keys remembered for dedupe, in memory and in the state store. */
export const SEEN_CAPACITY = 100_000

/** Remembers recently seen keys (bot + message id) so a redelivered event is processed once; bounded, oldest forgotten first. */
import { BoundedSet } from '../util/bounded.js'

/** The dedupe keys of the last `capacity` events. */
export class RecentKeys {
  readonly #keys: BoundedSet<string>

  constructor(capacity: number) {
    this.#keys = new BoundedSet(capacity)
  }

  /** Records `key`; false when it was already seen (a repeat does not make it newer). */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false
    this.#keys.add(key)
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
