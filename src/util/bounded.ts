/**
 * A Set and a Map that keep at most `capacity` entries and forget the oldest first. "Oldest" is by the last
 * write: adding a value again (or setting a key again) makes it the newest; reading does not. Iteration runs from
 * the oldest to the newest. Built on the insertion order of the native Set and Map, so each operation is O(1) and
 * nothing is allocated up front (a capacity of 200,000 per portal costs nothing until it is used).
 */

/** A `Set` that forgets its oldest values beyond `capacity`. */
export class BoundedSet<T> extends Set<T> {
  readonly capacity: number

  constructor(capacity: number) {
    super()
    this.capacity = checkedCapacity(capacity)
  }

  /** Adds `value` as the newest (moving it there when present), then forgets the oldest beyond the capacity. */
  override add(value: T): this {
    super.delete(value)
    super.add(value)
    trimOldest(this, this.capacity)
    return this
  }
}

/** A `Map` that forgets its oldest keys beyond `capacity`. */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number

  constructor(capacity: number) {
    super()
    this.capacity = checkedCapacity(capacity)
  }

  /** Sets `key` as the newest (moving it there when present), then forgets the oldest beyond the capacity. */
  override set(key: K, value: V): this {
    super.delete(key)
    super.set(key, value)
    trimOldest(this, this.capacity)
    return this
  }
}

function checkedCapacity(capacity: number): number {
  if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be an integer >= 0`)
  return capacity
}

function trimOldest(entries: Set<unknown> | Map<unknown, unknown>, capacity: number): void {
  while (entries.size > capacity) {
    const oldest = entries.keys().next()
    if (oldest.done) return
    entries.delete(oldest.value)
  }
}
