import { pino } from 'pino'
import { expect, it } from 'vitest'
import { redisKeys } from '../../../src/store/redis/keys.js'
import { sharedOffset } from '../../../src/store/redis/poller-lease.js'
import { redisPollerTurn } from '../../../src/store/redis-poller-turn.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { describeRedis, useRedisServer } from '../../support/redis-server.js'

describeRedis('fetch mode poller turn on Redis', () => {
  const { client, server } = useRedisServer()
  const log = pino({ level: 'silent' })

  it('refuses the offset of a stalled ex-poller once another replica took the turn, and hands the turn over', async () => {
    const prefix = 'turn1:'
    const [storeA, storeB] = await Promise.all(
      [0, 1].map(() => RedisStore.open({ url: server().url(), prefix, commandTimeoutMs: 5_000 })),
    )
    if (storeA === undefined || storeB === undefined) throw new Error('no stores')
    try {
      const a = redisPollerTurn(storeA, 'q', { owner: 'replica-a', ttlMs: 10_000, log })
      const b = redisPollerTurn(storeB, 'q', { owner: 'replica-b', ttlMs: 10_000, log })
      expect(await a.take()).toEqual({ held: true, fresh: true })
      expect(await b.take()).toMatchObject({ held: false })
      await a.save(10)
      // A stalls (a long pause) and its lease lapses meanwhile; B takes the turn and moves the queue on.
      const redis = await client()
      await redis.del(redisKeys(prefix).poller('q'))
      expect(await b.take()).toEqual({ held: true, fresh: true })
      expect(await b.load()).toBe(10)
      await b.save(20)
      // A wakes up believing it still polls: its save is refused, and it knows it lost the turn.
      expect(a.held()).toBe(true)
      await a.save(30)
      expect(await sharedOffset(redis, redisKeys(prefix), 'q')).toBe(20)
      expect(a.held()).toBe(false)
      // The holder itself never moves the offset back either.
      await b.save(15)
      expect(await sharedOffset(redis, redisKeys(prefix), 'q')).toBe(20)
      // On shutdown B gives the turn back, and A takes it at once with the offset B left.
      await b.release()
      expect(await a.take()).toEqual({ held: true, fresh: true })
      expect(await a.load()).toBe(20)
      await a.release()
    } finally {
      await storeA.close()
      await storeB.close()
    }
  })
})
