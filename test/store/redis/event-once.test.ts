import { expect, it } from 'vitest'
import { recordEventOnce } from '../../../src/store/redis/event-once.js'
import { dialogField, redisKeys } from '../../../src/store/redis/keys.js'
import { describeRedis, useRedisServer } from '../../support/redis-server.js'

describeRedis('dedupe key and pending read in one step', () => {
  let prefixes = 0
  const freshKeys = () => redisKeys(`once${++prefixes}:`)

  const { client } = useRedisServer()

  it('accepts a duplicate delivered to several replicas at the same moment exactly once', async () => {
    const keys = freshKeys()
    const replicas = await Promise.all(Array.from({ length: 6 }, () => client()))
    const read = { botId: 7, dialogId: 'chat1', messageId: 12 }
    for (let event = 0; event < 20; event++) {
      const answers = await Promise.all(
        replicas.map((redis) => recordEventOnce(redis, keys, `m:7:${event}`, 1000, { ...read, messageId: event + 1 })),
      )
      expect(answers.filter((a) => a.isNew)).toHaveLength(1)
      expect(answers.filter((a) => a.readOwed)).toHaveLength(1)
    }
    const [redis] = replicas
    expect(await redis?.hget(keys.pending, dialogField(read))).toBe('20')
    expect(await redis?.zcard(keys.seen)).toBe(20)
  })

  it('stores the pending read with the key, never below a confirmed id or a higher pending one', async () => {
    const keys = freshKeys()
    const redis = await client()
    const dialog = { botId: 7, dialogId: 'chat2' }
    const field = dialogField(dialog)
    expect(await recordEventOnce(redis, keys, 'm:7:30', 1000, { ...dialog, messageId: 30 })).toEqual({
      isNew: true,
      readOwed: true,
    })
    await recordEventOnce(redis, keys, 'm:7:29', 1000, { ...dialog, messageId: 29 })
    expect(await redis.hget(keys.pending, field)).toBe('30')
    await redis.hset(keys.confirmed, field, 40)
    expect(await recordEventOnce(redis, keys, 'm:7:35', 1000, { ...dialog, messageId: 35 })).toEqual({
      isNew: true,
      readOwed: false,
    })
    expect(await redis.hget(keys.pending, field)).toBe('30')
    expect(await recordEventOnce(redis, keys, 'j:7:1', 1000)).toEqual({ isNew: true, readOwed: false })
  })

  it('keeps only about the newest keys within its capacity, oldest trimmed first', async () => {
    const keys = freshKeys()
    const redis = await client()
    for (let i = 0; i < 250; i++) await recordEventOnce(redis, keys, `m:7:${i}`, 100)
    const kept = await redis.zrange(keys.seen, '0', '-1')
    expect(kept.length).toBeGreaterThanOrEqual(100)
    expect(kept.length).toBeLessThanOrEqual(110)
    expect(kept.at(-1)).toBe('m:7:249')
    expect((await recordEventOnce(redis, keys, 'm:7:249', 100)).isNew).toBe(false)
  })
})
