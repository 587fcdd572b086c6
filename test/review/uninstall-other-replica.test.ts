import { afterEach, expect, it } from 'vitest'
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

describeRedis('review: ONAPPUNINSTALL on replicas sharing Redis', () => {
  it('forgets the portal when the uninstall reaches a replica that never saw the portal', async () => {
    redis = await TestRedisServer.start()
    world = await startOAuthWorld({ env: { STATE_STORE: 'redis', REDIS_URL: redis.url() } })
    const w = world
    // The replica starts before the install, so only the shared store knows the portal.
    const replica = await w.startReplica()
    const { portal } = w.a
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })
    await w.service.store.reloadTenant?.(portal.memberId)
    expect(w.service.store.tenant(portal.memberId)).toBeDefined()

    // The load balancer sends the uninstall to the other replica.
    const replicaUrl = `${replica.url}/bitrix24/events/${APP.eventsSecret}`
    const gone = await portal.deliver(portal.uninstallEvent(install.applicationToken), replicaUrl)
    expect(gone.status).toBe(200)
    expect(JSON.parse(gone.body)).toEqual({ ok: true, outcome: 'accepted' })
    // The portal's sealed tokens are gone from the shared store.
    await w.service.store.reloadTenant?.(portal.memberId)
    expect(w.service.store.tenant(portal.memberId)).toBeUndefined()
  }, 60_000)
})
