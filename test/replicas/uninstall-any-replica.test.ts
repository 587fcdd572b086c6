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

const eventsUrl = (url: string) => `${url}/bitrix24/events/${APP.eventsSecret}`

async function start(): Promise<OAuthWorld> {
  redis = await TestRedisServer.start()
  world = await startOAuthWorld({ env: { STATE_STORE: 'redis', REDIS_URL: redis.url() } })
  return world
}

describeRedis('ONAPPUNINSTALL on replicas sharing Redis', () => {
  it('forgets the portal when the uninstall reaches a replica that never saw the portal', async () => {
    const w = await start()
    // The replica starts before the install, so only the shared store knows the portal.
    const replica = await w.startReplica()
    const { portal } = w.a
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })
    await w.service.store.reloadTenant?.(portal.memberId)
    expect(w.service.store.tenant(portal.memberId)).toBeDefined()

    // The load balancer sends the uninstall to the other replica.
    const gone = await portal.deliver(portal.uninstallEvent(install.applicationToken), eventsUrl(replica.url))
    expect(gone.status).toBe(200)
    expect(JSON.parse(gone.body)).toEqual({ ok: true, outcome: 'accepted' })
    // The portal's sealed tokens are gone from the shared store.
    await w.service.store.reloadTenant?.(portal.memberId)
    expect(w.service.store.tenant(portal.memberId)).toBeUndefined()
    // Delivered again (to either replica) it is a duplicate, and the first replica drops the copy it still holds.
    const again = await portal.deliver(portal.uninstallEvent(install.applicationToken), w.eventsUrl)
    expect(JSON.parse(again.body)).toEqual({ ok: true, outcome: 'duplicate' })
    expect(w.service.portals.entries().map((e) => e.key)).not.toContain(portal.memberId)
  }, 60_000)

  it('forgets a reinstalled portal when the uninstall reaches a replica holding the record of the earlier install', async () => {
    const w = await start()
    const replica = await w.startReplica()
    const { portal } = w.a
    // The first install reaches the replica, which keeps its record in memory.
    const first = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await portal.deliver(first.event, eventsUrl(replica.url))).body)).toMatchObject({
      outcome: 'accepted',
    })
    expect(replica.portals.entries().map((e) => e.key)).toContain(portal.memberId)
    // The app is reinstalled (a new application token); the other replica takes that install.
    const second = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(second.applicationToken).not.toBe(first.applicationToken)
    expect(JSON.parse((await portal.deliver(second.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })

    // The new install's uninstall reaches the replica that holds the earlier record.
    const gone = await portal.deliver(portal.uninstallEvent(second.applicationToken), eventsUrl(replica.url))
    expect(gone.status).toBe(200)
    expect(JSON.parse(gone.body)).toEqual({ ok: true, outcome: 'accepted' })
    await w.service.store.reloadTenant?.(portal.memberId)
    expect(w.service.store.tenant(portal.memberId)).toBeUndefined()
    expect(replica.portals.entries().map((e) => e.key)).not.toContain(portal.memberId)
  }, 60_000)

  it('answers 503 and keeps the portal, its reads in memory included, when the store cannot delete; a retry forgets it', async () => {
    const w = await start()
    const { a } = w
    // A read this replica owes, waiting while the portal is away.
    a.portal.setDown(true)
    const sent = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '31' }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
    // The app's install (its application token is what the uninstall presents).
    const install = a.portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await a.portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ ok: true })
    const tracked = () =>
      w.service.portals
        .entries()
        .find((e) => e.key === a.portal.memberId)
        ?.reads.tracks(a.bot.id, '31') ?? false
    expect(tracked()).toBe(true)

    // Redis refuses writes (reads still work): the uninstall cannot delete the portal's state.
    const admin = await createRedisClient({ url: redis?.url() ?? '', onError: () => {} })
    try {
      await admin.config('SET', 'min-replicas-to-write', '1')
      const refused = await a.portal.deliver(a.portal.uninstallEvent(install.applicationToken), w.eventsUrl)
      expect(refused.status).toBe(503)
      expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: 'STORE_UNAVAILABLE' })
      // Nothing is lost: the record and the read are stored, and this replica still owes the read.
      await w.service.store.reloadTenant?.(a.portal.memberId)
      expect(w.service.store.tenant(a.portal.memberId)).toBeDefined()
      expect(tracked()).toBe(true)
      await admin.config('SET', 'min-replicas-to-write', '0')
    } finally {
      await admin.quit()
    }

    // Bitrix24 (or the load balancer) sends it again once the store is back.
    const gone = await a.portal.deliver(a.portal.uninstallEvent(install.applicationToken), w.eventsUrl)
    expect(JSON.parse(gone.body)).toEqual({ ok: true, outcome: 'accepted' })
    await vi.waitFor(() => expect(tracked()).toBe(false), { timeout: 10_000 })
    expect(w.service.store.pendingReads().filter((m) => m.portal === a.portal.memberId)).toEqual([])
  }, 60_000)
})
