/**
 * The in-memory form of a dedupe key. A new message's key (`m:<portal and bot>:<message id>`, see `dedupe-key.ts`)
 * becomes one number: the message id plus 2^32 times a small index of its portal and bot. The first portal and bot
 * seen get index 0, so a webhook deployment's keys are small integers that V8 stores inside the set itself, where
 * the string took 64 bytes (issue 10 item 4). Distinct keys stay distinct; other keys are kept as they are.
 * The stored keys (LMDB, Redis) keep their string form.
 */

/** A dedupe key as `RecentKeys` holds it. */
export type CompactKey = string | number

const ID_RANGE = 2 ** 32
/**
 * At most this many portal-and-bot indexes are kept (`index * 2^32 + id` stays an exact integer far beyond it):
 * the map is never trimmed, so it is bounded well below what memory allows; past it keys stay strings.
 */
const MAX_INDEX = 2 ** 16

/** Maps message keys to numbers, remembering an index per portal and bot. */
export class KeyCompactor {
  readonly #indexes = new Map<string, number>()

  /** The compact form of `key` (the same key always gives the same value; different keys, different values). */
  compact(key: string): CompactKey {
    if (!key.startsWith('m:')) return key
    const last = key.lastIndexOf(':')
    const idText = key.slice(last + 1)
    const id = Number(idText)
    if (!Number.isSafeInteger(id) || id < 0 || id >= ID_RANGE || String(id) !== idText) return key
    const where = key.slice(2, last)
    let index = this.#indexes.get(where)
    if (index === undefined) {
      if (this.#indexes.size >= MAX_INDEX) return key
      index = this.#indexes.size
      this.#indexes.set(where, index)
    }
    return index * ID_RANGE + id
  }
}
