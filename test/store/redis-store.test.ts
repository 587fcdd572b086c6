import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { RedisStore } from '../../src/store/redis-store.js'
import { StoreUnavailableError } from '../../src/store/state-store.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

describeRedis('redis state store against its own redis-server', () => {
  let server: TestRedisServer
  const stores: RedisStore[] = []
  let prefixes = 0

  beforeAll(async () => {
    server = await TestRedisServer.start({ appendonly: true })
  })
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close()
  })
  afterAll(async () => {
    await server.dispose()
  })

  async function open(prefix: string): Promise<RedisStore> {
    const store = await RedisStore.open({ url: server.url(), prefix, commandTimeoutMs: 2_000 })
    stores.push(store)
    return store
  }
  const freshPrefix = (): string => `rs${++prefixes}:`

  it('finds everything again when a second replica opens the same prefix', async () => {
    const prefix = freshPrefix()
    const first = await open(prefix)
    await first.savePending({ botId: 7, dialogId: 'chat1', messageId: 12 })
    await first.savePending({ botId: 7, dialogId: 'chat|2', messageId: 5 })
    await first.clearPending({ botId: 7, dialogId: 'chat|2', messageId: 5 })
    await first.saveConfirmed({ botId: 7, dialogId: 'chat|2', messageId: 5 })
    await first.addSeenKey('m:7:12')
    await first.saveOffset('events', 99)

    const second = await open(prefix)
    expect(second.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat1', messageId: 12 }])
    expect(second.confirmedId(7, 'chat|2')).toBe(5)
    expect(second.seenKeys()).toEqual(['m:7:12'])
    expect(second.offset('events')).toBe(99)
  })

  it('records an event and its read once when two replicas receive it at the same moment', async () => {
    const prefix = freshPrefix()
    const [a, b] = [await open(prefix), await open(prefix)]
    const read = { botId: 7, dialogId: 'chat5', messageId: 55 }
    const records = await Promise.all([a.recordEvent('m:7:55', read), b.recordEvent('m:7:55', read)])
    expect(records.map((r) => r.isNew).sort()).toEqual([false, true])
    const winner = records[0]?.isNew ? a : b
    expect(winner.pendingReads()).toEqual([read])
    expect(winner.seenKeys()).toEqual(['m:7:55'])
    expect((await open(prefix)).pendingReads()).toEqual([read])
  })

  it('keeps deployments with different prefixes apart', async () => {
    const a = await open(freshPrefix())
    await a.savePending({ botId: 7, dialogId: 'chat1', messageId: 12 })
    const b = await open(freshPrefix())
    expect(b.pendingReads()).toEqual([])
  })

  it('never lowers a watermark another replica raised', async () => {
    const prefix = freshPrefix()
    const a = await open(prefix)
    const b = await open(prefix)
    await a.savePending({ botId: 7, dialogId: 'chat1', messageId: 20 })
    await b.savePending({ botId: 7, dialogId: 'chat1', messageId: 15 })
    await b.clearPending({ botId: 7, dialogId: 'chat1', messageId: 15 })
    const third = await open(prefix)
    expect(third.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat1', messageId: 20 }])
  })

  it('keeps an acknowledged write through a SIGKILL of redis-server (append-only file, fsync always)', async () => {
    const prefix = freshPrefix()
    const store = await open(prefix)
    await store.savePending({ botId: 7, dialogId: 'chat9', messageId: 90 })
    await store.addSeenKey('m:7:90')
    await server.restart('kill')
    const reopened = await open(prefix)
    expect(reopened.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat9', messageId: 90 }])
    expect(reopened.seenKeys()).toEqual(['m:7:90'])
  })

  it('refuses writes with STORE_UNAVAILABLE while Redis is down, and carries on by itself once it is back', async () => {
    const store = await open(freshPrefix())
    await server.stop()
    const refused = store.savePending({ botId: 7, dialogId: 'chat1', messageId: 1 })
    await expect(refused).rejects.toThrow(StoreUnavailableError)
    await expect(refused).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    expect(store.pendingReads()).toEqual([])
    await server.start()
    await expect
      .poll(
        () =>
          store.savePending({ botId: 7, dialogId: 'chat1', messageId: 2 }).then(
            () => 'written',
            (err: unknown) => String(err),
          ),
        { timeout: 10_000, interval: 50 },
      )
      .toBe('written')
    expect(store.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat1', messageId: 2 }])
  })

  it('says STORE_UNAVAILABLE when Redis cannot be reached at open', async () => {
    const down = await TestRedisServer.start()
    const url = down.url()
    await down.dispose()
    await expect(RedisStore.open({ url })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
  })
})
