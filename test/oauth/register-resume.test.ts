import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RunningService } from '../../src/service.js'
import { decodeTenant, type TenantRecord } from '../../src/tenants/tenant-record.js'
import { parseTokenKey, tokenBox } from '../../src/tenants/token-box.js'
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

const CODE = 'autoread_vendor'
const ENV = { B24_PUBLIC_URL: 'https://autoread.example.com', B24_BOT_CODE: CODE }
const box = tokenBox(parseTokenKey(APP.tokenKey) ?? Buffer.alloc(0))
const registers = (portal: Portal) => portal.requests.filter((r) => r.method === 'imbot.v2.Bot.register')
const lines = (w: OAuthWorld, msg: string) => w.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === msg)

/** The portal's install record as the service stored it. */
function storedRecord(w: OAuthWorld | RunningService, memberId: string): TenantRecord | undefined {
  const store = 'service' in w ? w.service.store : w.store
  const sealed = store.tenant(memberId)
  const plain = sealed === undefined ? undefined : box.open(memberId, sealed)
  return plain === undefined ? undefined : decodeTenant(plain)
}

async function details(w: OAuthWorld | RunningService): Promise<string[] | undefined> {
  const res = await fetch(`${'service' in w ? w.service.url : w.url}/readyz`)
  return ((await res.json()) as { details?: string[] }).details
}

async function unregisteredGauge(w: OAuthWorld): Promise<number> {
  const text = await (await fetch(`${w.service.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('b24_autoread_portals_bot_unregistered '))
  return Number(line?.split(' ')[1])
}

describe('a bot registration pending at a restart is resumed from the install record (OAuth server, real SDK, HTTPS)', () => {
  it('keeps retrying after a restart, lists the portal in /readyz until the bot is registered, then clears the record', async () => {
    world = await startOAuthWorld({ env: ENV })
    const w = world
    const { portal } = w.a
    portal.inject({ kind: 'refuse', code: 'BOT_LIMIT_EXCEEDED', method: 'imbot.v2.Bot.register', times: 1_000 })
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })
    await vi.waitFor(() => expect(storedRecord(w, portal.memberId)?.botUnregistered).toBe('BOT_LIMIT_EXCEEDED'))

    await w.restart()
    // Listed at once by the new process, before any retry of its own.
    expect(await details(w)).toEqual([
      expect.stringMatching(
        new RegExp(`^bot-registration: portal ${portal.memberId} installed but bot not registered: BOT_LIMIT_EXCEEDED`),
      ),
    ])
    expect(await unregisteredGauge(w)).toBe(1)
    expect(lines(w, 'bot registration still pending from before the restart: retrying')).toHaveLength(1)

    const before = registers(portal).length
    // The new process retries by itself (still refused), and keeps the portal listed.
    await vi.waitFor(() => expect(registers(portal).length).toBeGreaterThan(before), { timeout: 15_000, interval: 100 })
    expect(portal.findBot(CODE)).toBeUndefined()
    expect(await unregisteredGauge(w)).toBe(1)

    portal.reset() // the portal accepts bots again
    await vi.waitFor(() => expect(portal.findBot(CODE)).toBeDefined(), { timeout: 20_000, interval: 100 })
    await vi.waitFor(async () => expect(await details(w)).toBeUndefined())
    expect(await unregisteredGauge(w)).toBe(0)
    await vi.waitFor(() => expect(storedRecord(w, portal.memberId)).toBeDefined())
    await vi.waitFor(() => expect(storedRecord(w, portal.memberId)?.botUnregistered).toBeUndefined())
    // The record still carries the install (its tokens and application token were kept by the change).
    expect(storedRecord(w, portal.memberId)?.applicationToken).toBe(install.applicationToken)

    // Registered: the next start has nothing to resume.
    await w.restart()
    expect(await details(w)).toBeUndefined()
    expect(await unregisteredGauge(w)).toBe(0)
    const printed = w.logs.join('')
    for (const secret of [install.accessToken, install.refreshToken, install.applicationToken]) {
      expect(printed).not.toContain(secret)
    }
  }, 60_000)

  it('an uninstall after the restart stops the resumed retries and nothing comes back at the next start', async () => {
    world = await startOAuthWorld({ env: ENV })
    const w = world
    const { portal } = w.a
    portal.inject({ kind: 'refuse', code: 'ACCESS_DENIED', method: 'imbot.v2.Bot.register', times: 1_000 })
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    await portal.deliver(install.event, w.eventsUrl)
    await vi.waitFor(() => expect(storedRecord(w, portal.memberId)?.botUnregistered).toBe('ACCESS_DENIED'))

    await w.restart()
    expect(await unregisteredGauge(w)).toBe(1)
    const done = await portal.deliver(portal.uninstallEvent(install.applicationToken), w.eventsUrl)
    expect(done.status).toBe(200)
    expect(await unregisteredGauge(w)).toBe(0)
    expect(await details(w)).toBeUndefined()
    expect(w.service.store.tenantIds()).toEqual([])

    await w.restart()
    expect(await details(w)).toBeUndefined()
    expect(w.service.store.tenantIds()).toEqual([])
  }, 60_000)
})

describeRedis('a pending bot registration on replicas sharing Redis (OAuth server, real SDK, HTTPS)', () => {
  it('a replica started later resumes it; both retry, the bot gets registered, the record keeps its tokens', async () => {
    redis = await TestRedisServer.start()
    world = await startOAuthWorld({ env: { ...ENV, STATE_STORE: 'redis', REDIS_URL: redis.url() } })
    const w = world
    const { portal } = w.a
    portal.inject({ kind: 'refuse', code: 'BOT_LIMIT_EXCEEDED', method: 'imbot.v2.Bot.register', times: 1_000 })
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })
    await vi.waitFor(() => expect(storedRecord(w, portal.memberId)?.botUnregistered).toBe('BOT_LIMIT_EXCEEDED'))
    const installed = storedRecord(w, portal.memberId)

    const replica = await w.startReplica()
    expect((await details(replica))?.[0]).toContain(`portal ${portal.memberId} installed but bot not registered`)
    expect((await details(w))?.[0]).toContain('BOT_LIMIT_EXCEEDED')

    portal.reset()
    await vi.waitFor(() => expect(portal.findBot(CODE)).toBeDefined(), { timeout: 20_000, interval: 100 })
    // Each replica's own retry succeeds (register is idempotent per code) and clears its listing.
    await vi.waitFor(async () => expect(await details(replica)).toBeUndefined(), { timeout: 20_000, interval: 100 })
    await vi.waitFor(async () => expect(await details(w)).toBeUndefined(), { timeout: 20_000, interval: 100 })
    await replica.store.reloadTenant?.(portal.memberId)
    const cleared = storedRecord(replica, portal.memberId)
    expect(cleared?.botUnregistered).toBeUndefined()
    expect(cleared).toEqual({ ...installed, botUnregistered: undefined })
  }, 60_000)
})

describe('the bot field of an install record', () => {
  const old = {
    memberId: 'm1',
    clientEndpoint: 'https://p.example/rest/',
    applicationToken: 'app',
    accessToken: 'a',
    refreshToken: 'r',
    expires: 1,
  }

  it('decodes a record written before the field existed as registered', () => {
    expect(decodeTenant(JSON.stringify(old))).toEqual(old)
    expect(decodeTenant(JSON.stringify(old))?.botUnregistered).toBeUndefined()
  })

  it('keeps the last refusal of an unregistered bot', () => {
    expect(decodeTenant(JSON.stringify({ ...old, botUnregistered: 'BOT_LIMIT_EXCEEDED' }))?.botUnregistered).toBe(
      'BOT_LIMIT_EXCEEDED',
    )
  })
})
