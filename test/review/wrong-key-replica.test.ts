import { afterEach, expect, it, vi } from 'vitest'
import { createRedisClient } from '../../src/store/redis/redis-client.js'
import { type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

let world: OAuthWorld | undefined
let redis: TestRedisServer | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
  await redis?.dispose()
  redis = undefined
})

const OTHER_KEY = 'b'.repeat(64)

describeRedis('review: a replica started with another B24_TOKEN_KEY on the shared Redis', () => {
  it("leaves the other replicas' install records and acknowledged pending reads in place", async () => {
    redis = await TestRedisServer.start()
    world = await startOAuthWorld({ env: { STATE_STORE: 'redis', REDIS_URL: redis.url() } })
    const w = world
    const { a } = w
    await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '26' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '26').unread).toBe(0), { timeout: 10_000 })
    // An acknowledged read waits in Redis while the portal is away.
    a.portal.setDown(true)
    const sent = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
    const pendingOfA = () => w.service.store.pendingReads().filter((m) => m.portal === a.portal.memberId)
    expect(pendingOfA().length).toBeGreaterThan(0)

    // A replica of a rolling deploy with a rotated (or mistyped) key starts on the same Redis.
    const replica = await w.startReplica({ B24_TOKEN_KEY: OTHER_KEY })
    expect(replica.url).toBeDefined()
    await w.service.store.reloadTenant?.(a.portal.memberId)
    // The record the running replica sealed, and the read it acknowledged, are still in the shared store.
    const client = await createRedisClient({ url: redis.url(), onError: () => {} })
    const pendingFields = (await client.hkeys('b24ar:p')).filter((f) => f.startsWith(`${a.portal.memberId}|`))
    await client.quit()
    expect(pendingFields.length).toBeGreaterThan(0)
    expect(w.service.store.tenant(a.portal.memberId)).toBeDefined()
  }, 60_000)
})
