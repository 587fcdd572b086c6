import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { acquireReadLease, confirmRead, type ReadLease } from '../../../src/store/redis/read-lease.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { describeRedis, TestRedisServer } from '../../support/redis-server.js'

describeRedis('takeover of a vanished replica’s reads', () => {
  let server: TestRedisServer
  const stores: RedisStore[] = []
  beforeAll(async () => {
    server = await TestRedisServer.start()
  })
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close()
  })
  afterAll(async () => {
    await server.dispose()
  })
  async function replica(): Promise<RedisStore> {
    const store = await RedisStore.open({ url: server.url(), prefix: 'takeover:' })
    stores.push(store)
    return store
  }

  it('another replica finds the pending read, takes the lease once it lapses, and reads it; the old token is refused', async () => {
    const ttlMs = 400
    const [a, b] = [await replica(), await replica()]
    const dialog = { botId: 7, dialogId: 'chat1', messageId: 12 }
    expect((await a.recordEvent('m:7:12', dialog)).isNew).toBe(true)
    const claimed = await acquireReadLease(a.client, a.keys, dialog, 'replica-a', ttlMs)
    if (!claimed.held) throw new Error('replica-a did not get the lease')
    const vanished: ReadLease = claimed.lease
    a.client.disconnect() // the replica vanishes: no release, no renewal
    const died = performance.now()

    expect(await b.sharedPendingReads()).toEqual([dialog])
    const early = await acquireReadLease(b.client, b.keys, dialog, 'replica-b', ttlMs)
    expect(early.held).toBe(false)
    let taken: ReadLease | undefined
    await expect
      .poll(
        async () => {
          const attempt = await acquireReadLease(b.client, b.keys, dialog, 'replica-b', 10_000)
          if (attempt.held) taken = attempt.lease
          return attempt.held
        },
        { timeout: 5_000, interval: 20 },
      )
      .toBe(true)
    const tookMs = performance.now() - died
    expect(tookMs).toBeGreaterThanOrEqual(ttlMs - 50)
    expect(tookMs).toBeLessThan(ttlMs + 1_000)
    if (taken === undefined) throw new Error('unreachable')
    expect(taken.token).toBeGreaterThan(vanished.token)

    expect(await confirmRead(b.client, b.keys, dialog, taken.token, dialog.messageId)).toBe('confirmed')
    expect(await b.sharedPendingReads()).toEqual([])
    expect(await confirmRead(b.client, b.keys, dialog, vanished.token, 99)).toBe('stale-token')
  })
})
