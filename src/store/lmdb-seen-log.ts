/**
 * The LMDB store's dedupe keys: an append-only log keyed by a sequence number, so the oldest keys are the first
 * ones and pruning is a range removal. Pruning runs in steps (10% over the bound) so most writes do not pay for it.
 */
import type { Database } from 'lmdb'

/** Pruning is best effort: a failed removal only keeps an old entry a while longer. */
const ignore = (): void => {}

/** The bounded log of event keys seen, in one LMDB database. */
export class SeenLog {
  readonly #db: Database<string, number>
  readonly #capacity: number
  #seq = 0
  #count = 0

  /** `capacity`: most event keys remembered (oldest forgotten first). */
  constructor(db: Database<string, number>, capacity: number) {
    this.#db = db
    this.#capacity = capacity
  }

  /** Picks up the last sequence number and the count at open, and prunes what is over the bound. */
  load(): void {
    for (const key of this.#db.getKeys({ reverse: true, limit: 1 })) {
      if (typeof key === 'number') this.#seq = key
    }
    this.#count = this.#db.getCount()
    if (this.#count > this.#capacity) this.#prune()
  }

  /** Appends a key; resolves when it is committed. */
  async add(key: string): Promise<void> {
    const write = this.#db.put(++this.#seq, key)
    this.#count++
    if (this.#count > this.#capacity * 1.1) this.#prune()
    await write
  }

  /** The keys remembered, oldest first, each once (at its latest position). */
  keys(): string[] {
    const keys = new Set<string>()
    for (const { value } of this.#db.getRange()) {
      if (typeof value !== 'string') continue
      keys.delete(value)
      keys.add(value)
    }
    return [...keys]
  }

  #prune(): void {
    const excess = this.#count - this.#capacity
    if (excess <= 0) return
    for (const key of this.#db.getKeys({ limit: excess })) this.#db.remove(key).catch(ignore)
    this.#count -= excess
  }
}
