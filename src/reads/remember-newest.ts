/** A bounded map that forgets its oldest entries: the scheduler's confirmed watermarks of idle dialogs. */

/** Sets `key` as the newest entry of `map`, then deletes the oldest entries beyond `limit`. */
export function rememberNewest<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key)
  map.set(key, value)
  for (const oldest of map.keys()) {
    if (map.size <= limit) break
    map.delete(oldest)
  }
}
