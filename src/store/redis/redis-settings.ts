/** Checks of the Redis settings (`REDIS_URL`, `REDIS_KEY_PREFIX`) for `loadConfig`; pure, never echoing a password. */
/** Says what is wrong with a Redis URL, without repeating its password; undefined when it is fine. */
export function checkRedisUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a valid URL (redis://[user:password@]host:port/db, or rediss:// for TLS)'
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss:// (TLS)'
  if (url.hostname === '') return 'must name a host, as in redis://host:6379/0'
  if (!/^\/?\d*$/.test(url.pathname)) return 'may end only in a database number, as in redis://host:6379/0'
  return undefined
}

/** Says what is wrong with a key prefix; undefined when it is fine (empty is allowed: no prefix). */
export function checkRedisKeyPrefix(value: string): string | undefined {
  return /^[A-Za-z0-9:_.{}-]{0,64}$/.test(value)
    ? undefined
    : 'must be at most 64 characters of A-Z, a-z, 0-9, ":", "_", ".", "-", "{" or "}"'
}
