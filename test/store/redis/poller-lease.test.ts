import { expect, it } from 'vitest'
import type { FencedLease } from '../../../src/store/redis/fenced-lease.js'
import { redisKeys } from '../../../src/store/redis/keys.js'
import {
  acquirePollerLease,
  releasePollerLease,
  saveFencedOffset,
  sharedOffset,
} from '../../../src/store/redis/poller-lease.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { describeRedis, useRedisServer } from '../../support/redis-server.js'

describeRedis('fetch-mode poller lease and fenced offset', () => {
  const { client, server } = useRedisServer()
  let prefixes = 0
  const freshKeys = () => redisKeys(`poll${++prefixes}:`)

  it('lets one replica of many poll, and only it save the offset', async () => {
    const keys = freshKeys()
    const replicas = await Promise.all(Array.from({ length: 5 }, () => client()))
    const attempts = await Promise.all(
      replicas.map((redis, i) => acquirePollerLease(redis, keys, 'events', `replica-${i}`, 10_000)),
    )
    const winners = attempts.flatMap((a, i) => (a.held ? [{ lease: a.lease, redis: replicas[i] }] : []))
    expect(winners).toHaveLength(1)
    const [winner] = winners
    if (winner?.redis === undefined) throw new Error('no poller')
    expect(await saveFencedOffset(winner.redis, keys, 'events', winner.lease, 40)).toBe('saved')
    expect(await saveFencedOffset(winner.redis, keys, 'events', winner.lease, 39)).toBe('not-higher')
    expect(await sharedOffset(winner.redis, keys, 'events')).toBe(40)
  })

  it('refuses the offset of a poller whose lease was taken over, so the queue never rewinds', async () => {
    const keys = freshKeys()
    const [a, b] = [await client(), await client()]
    const first = await acquirePollerLease(a, keys, 'events', 'replica-a', 10_000)
    if (!first.held) throw new Error('replica-a did not get the lease')
    const old: FencedLease = first.lease
    expect(await saveFencedOffset(a, keys, 'events', old, 10)).toBe('saved')
    expect(await releasePollerLease(a, keys, 'events', old)).toBe(true)
    const second = await acquirePollerLease(b, keys, 'events', 'replica-b', 10_000)
    if (!second.held) throw new Error('replica-b did not get the lease')
    expect(await saveFencedOffset(b, keys, 'events', second.lease, 20)).toBe('saved')
    expect(await saveFencedOffset(a, keys, 'events', old, 30)).toBe('stale-token')
    expect(await sharedOffset(a, keys, 'events')).toBe(20)
    expect(await sharedOffset(a, keys, 'other')).toBeUndefined()
  })

  it('keeps the offset where the store reads it', async () => {
    const keys = freshKeys()
    const redis = await client()
    const attempt = await acquirePollerLease(redis, keys, 'events', 'replica-a', 10_000)
    if (!attempt.held) throw new Error('no lease')
    await saveFencedOffset(redis, keys, 'events', attempt.lease, 77)
    const store = await RedisStore.open({ url: server().url(), prefix: `poll${prefixes}:` })
    expect(store.offset('events')).toBe(77)
    await store.close()
  })
})
