import { afterEach, expect, it, vi } from 'vitest'
import { createRedisClient } from '../../src/store/redis/redis-client.js'
import { APP, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'
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
const UNOPENED = /^stored portal record does not open with this B24_TOKEN_KEY/

describeRedis('a replica started with another B24_TOKEN_KEY on the shared Redis', () => {
  it("leaves the portals' install records, acknowledged pending reads and confirmed watermarks in place, and says the key differs once per portal", async () => {
    redis = await TestRedisServer.start()
    world = await startOAuthWorld({ env: { STATE_STORE: 'redis', REDIS_URL: redis.url() } })
    const w = world
    const { a, b } = w
    await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '26' }, { url: w.eventsUrl })
    await b.portal.userSendsAndDeliver({ botId: b.bot.id, dialogId: '26' }, { url: w.eventsUrl })
    await vi.waitFor(
      () => {
        expect(a.portal.readState(a.bot.id, '26').unread).toBe(0)
        expect(b.portal.readState(b.bot.id, '26').unread).toBe(0)
      },
      { timeout: 15_000 },
    )
    await w.service.store.flushed()
    // An acknowledged read waits in Redis while the portal is away.
    a.portal.setDown(true)
    const sent = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
    const ofA = (field: string) => field.startsWith(`${a.portal.memberId}|`)
    const shared = async () => {
      const client = await createRedisClient({ url: redis?.url() ?? '', onError: () => {} })
      try {
        const [pending, confirmed, tenants] = [
          await client.hkeys('b24ar:p'),
          await client.hkeys('b24ar:c'),
          await client.hkeys('b24ar:t'),
        ]
        return { pending: pending.filter(ofA), confirmed: confirmed.filter(ofA), tenants }
      } finally {
        await client.quit()
      }
    }
    const before = await shared()
    expect(before.pending.length).toBeGreaterThan(0)
    expect(before.confirmed.length).toBeGreaterThan(0)
    expect(before.tenants).toEqual(expect.arrayContaining([a.portal.memberId, b.portal.memberId]))

    // A replica of a rolling deploy with a rotated (or mistyped) key starts on the same Redis: it replays the stored
    // reads at start, so it meets every portal's record.
    const replica = await w.startReplica({ B24_TOKEN_KEY: OTHER_KEY })
    const warned = () => w.logs.map((l) => JSON.parse(l)).filter((l) => UNOPENED.test(l.msg))
    await vi.waitFor(() => expect(warned().map((l) => l.portal)).toContain(a.portal.memberId), { timeout: 15_000 })
    // The record the running replica sealed, the read it acknowledged and the watermark it confirmed are all still
    // in the shared store...
    expect(await shared()).toEqual(before)
    await w.service.store.reloadTenant?.(a.portal.memberId)
    expect(w.service.store.tenant(a.portal.memberId)).toBeDefined()
    // The replica meets the record again (an uninstall it cannot verify): 503, nothing deleted, not logged again...
    const gone = await a.portal.deliver(
      a.portal.uninstallEvent('not-the-install-token'),
      `${replica.url}/bitrix24/events/${APP.eventsSecret}`,
    )
    expect(gone.status).toBe(503)
    expect(JSON.parse(gone.body)).toMatchObject({ ok: false, error: 'TOKEN_KEY_MISMATCH' })
    expect(warned().filter((l) => l.portal === a.portal.memberId)).toHaveLength(1)
    expect(warned()[0]?.level).toBeGreaterThanOrEqual(50)
    expect(await shared()).toEqual(before)

    // ...so the replica with the right key still reads the waiting message once the portal is back.
    a.portal.setDown(false)
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '27').unread).toBe(0), { timeout: 30_000 })
    for (const line of w.logs) expect(line).not.toContain(APP.tokenKey)
  }, 90_000)
})
