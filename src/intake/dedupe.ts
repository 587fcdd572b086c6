/** Event keys remembered for dedupe, in memory and in the state store. */
export const SEEN_CAPACITY = 100_000

/** Remembers recently seen keys (bot + message id) so a redelivered event is processed once; bounded, oldest forgotten first. */
import { BoundedSet } from '../util/bounded.js'
import { type CompactKey, KeyCompactor } from './compact-key.js'

/** The dedupe keys of the last `capacity` events, each held in its compact form (see `compact-key.ts`). */
export class RecentKeys {
  readonly #keys: BoundedSet<CompactKey>
  readonly #compactor = new KeyCompactor()

  constructor(capacity: number) {
    this.#keys = new BoundedSet(capacity)
  }

  /** Records `key`; false when it was already seen (a repeat does not make it newer). */
  add(key: string): boolean {
    const compact = this.#compactor.compact(key)
    if (this.#keys.has(compact)) return false
    this.#keys.add(compact)
    return true
  }

  /** Forgets `key` (used when an event was seen but could not be queued). */
  delete(key: string): void {
    this.#keys.delete(this.#compactor.compact(key))
  }

  get size(): number {
    return this.#keys.size
  }
}
