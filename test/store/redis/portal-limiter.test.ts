import { expect, it } from 'vitest'
import { redisKeys } from '../../../src/store/redis/keys.js'
import { holdMethod, holdPortal, takeRequest } from '../../../src/store/redis/portal-limiter.js'
import { describeRedis, useRedisServer } from '../../support/redis-server.js'

const keys = redisKeys('lim:')

describeRedis('shared portal limiter (leaky bucket on Redis time)', () => {
  let portals = 0
  const freshPortal = (): string => `portal${++portals}.bitrix24.test`

  const { client } = useRedisServer()

  it('grants the burst at once, then answers how long to wait for the drain', async () => {
    const redis = await client()
    const portal = freshPortal()
    const budget = { burst: 5, perSec: 2 }
    for (let i = 0; i < 5; i++) expect(await takeRequest(redis, keys, portal, budget)).toEqual({ granted: true })
    const refused = await takeRequest(redis, keys, portal, budget)
    if (refused.granted) throw new Error('granted past the burst')
    // One request drains in 500 ms at 2/s, less what drained since the burst; after that wait it is granted.
    expect(refused.waitMs).toBeGreaterThan(0)
    expect(refused.waitMs).toBeLessThanOrEqual(500)
    await new Promise((resolve) => setTimeout(resolve, refused.waitMs))
    expect(await takeRequest(redis, keys, portal, budget)).toEqual({ granted: true })
  })

  it('never grants more than B + r*t across many concurrent clients, and not much less either', async () => {
    const portal = freshPortal()
    const budget = { burst: 20, perSec: 40 }
    const replicas = await Promise.all(Array.from({ length: 8 }, () => client()))
    let grants = 0
    const started = performance.now()
    const deadline = started + 1_500
    await Promise.all(
      replicas.map(async (redis) => {
        while (performance.now() < deadline) {
          const answer = await takeRequest(redis, keys, portal, budget)
          if (answer.granted) grants++
          else await new Promise((resolve) => setTimeout(resolve, Math.min(answer.waitMs, 25)))
        }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    const bound = budget.burst + budget.perSec * seconds
    expect(grants).toBeLessThanOrEqual(Math.floor(bound))
    // And not much less: a limiter that starves its callers would pass the bound above.
    expect(grants).toBeGreaterThanOrEqual(Math.floor(bound * 0.75))
  })

  it('holds the whole portal after a 503 until the hold ends, on the server clock', async () => {
    const redis = await client()
    const portal = freshPortal()
    const budget = { burst: 50, perSec: 2 }
    expect(await holdPortal(redis, keys, portal, 300)).toBeGreaterThan(250)
    const held = await takeRequest(redis, keys, portal, budget, { method: 'imbot.v2.Chat.Message.read' })
    expect(held.granted).toBe(false)
    if (!held.granted) expect(held.waitMs).toBeGreaterThan(200)
    // A shorter hold never shortens a longer one.
    expect(await holdPortal(redis, keys, portal, 10)).toBeGreaterThan(200)
    await expect
      .poll(() => takeRequest(redis, keys, portal, budget), { timeout: 5_000, interval: 20 })
      .toEqual({
        granted: true,
      })
  })

  it('a filled bucket after a 503 is not spent again the moment the hold ends', async () => {
    const redis = await client()
    const portal = freshPortal()
    const budget = { burst: 3, perSec: 10 }
    await holdPortal(redis, keys, portal, 0, budget)
    const answer = await takeRequest(redis, keys, portal, budget)
    expect(answer.granted).toBe(false)
  })

  it('holds one method (operating time) while other methods go on', async () => {
    const redis = await client()
    const portal = freshPortal()
    const budget = { burst: 50, perSec: 2 }
    await holdMethod(redis, keys, portal, 'imbot.v2.Chat.Message.read', 60_000)
    const held = await takeRequest(redis, keys, portal, budget, { method: 'imbot.v2.Chat.Message.read' })
    expect(held.granted).toBe(false)
    if (!held.granted) expect(held.waitMs).toBeGreaterThan(59_000)
    expect(await takeRequest(redis, keys, portal, budget, { method: 'batch' })).toEqual({ granted: true })
    expect(await takeRequest(redis, keys, portal, budget)).toEqual({ granted: true })
  })

  it('keeps portals apart and lets its keys expire once the bucket has drained', async () => {
    const redis = await client()
    const a = freshPortal()
    const budget = { burst: 1, perSec: 100 }
    expect(await takeRequest(redis, keys, a, budget)).toEqual({ granted: true })
    expect(await takeRequest(redis, keys, freshPortal(), budget)).toEqual({ granted: true })
    const ttl = await redis.pttl(keys.limiter(a))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(1_010)
  })
})
