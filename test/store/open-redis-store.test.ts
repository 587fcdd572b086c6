import { describe, expect, it } from 'vitest'
import { SecretScrubber } from '../../src/observability/logger.js'
import { redisPasswordOf } from '../../src/store/open-redis-store.js'

describe('the Redis password in REDIS_URL', () => {
  it('is found (decoded) for the log scrubber, and nothing is found when the URL has none', () => {
    expect(redisPasswordOf('redis://app:s3cret%2Fpass@redis.internal:6379/0')).toBe('s3cret/pass')
    expect(redisPasswordOf('rediss://:only-pass-123@h:6380')).toBe('only-pass-123')
    expect(redisPasswordOf('redis://h:6379/0')).toBeUndefined()
    expect(redisPasswordOf('not a url')).toBeUndefined()
    expect(redisPasswordOf(undefined)).toBeUndefined()
  })

  it('is scrubbed from a log line whether it appears alone or inside the URL', () => {
    const url = 'redis://app:s3cret%2Fpass@redis.internal:6379/0'
    const scrubber = new SecretScrubber()
    for (const secret of [url, redisPasswordOf(url)]) scrubber.add(secret, true)
    const line = scrubber.scrub(`connect ${url} failed; auth s3cret/pass refused`)
    expect(line).not.toContain('s3cret')
  })
})
