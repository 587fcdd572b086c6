import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const CODE = 'autoread_vendor'
const ENV = { B24_PUBLIC_URL: 'https://autoread.example.com', B24_BOT_CODE: CODE }
const registers = (portal: Portal) => portal.requests.filter((r) => r.method === 'imbot.v2.Bot.register')
const lines = (w: OAuthWorld, msg: string) => w.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === msg)

async function readyz(w: OAuthWorld) {
  const res = await fetch(`${w.service.url}/readyz`)
  return { status: res.status, body: (await res.json()) as { ok: boolean; details?: string[] } }
}

async function unregisteredGauge(w: OAuthWorld): Promise<number> {
  const text = await (await fetch(`${w.service.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('b24_autoread_portals_bot_unregistered '))
  return Number(line?.split(' ')[1])
}

describe('a bot registration refused at install is retried, not lost (OAuth server, real SDK, HTTPS)', () => {
  it('keeps the install, reports the portal in /readyz and the metric, and registers the bot in the background', async () => {
    world = await startOAuthWorld({ env: ENV })
    const w = world
    const { portal } = w.a
    portal.inject({ kind: 'refuse', code: 'BOT_LIMIT_EXCEEDED', method: 'imbot.v2.Bot.register' })
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    const res = await portal.deliver(install.event, w.eventsUrl)
    expect(JSON.parse(res.body)).toEqual({ ok: true, outcome: 'accepted' })
    expect(w.service.store.tenantIds()).toEqual([portal.memberId])
    expect(portal.findBot(CODE)).toBeUndefined()

    const pending = await readyz(w)
    // One portal without its bot does not take the service out of rotation for the others.
    expect(pending.status).toBe(200)
    expect(pending.body.details).toEqual([
      expect.stringMatching(
        new RegExp(
          `^bot-registration: portal ${portal.memberId} installed but bot not registered: BOT_LIMIT_EXCEEDED, .+`,
        ),
      ),
    ])
    expect(await unregisteredGauge(w)).toBe(1)

    await vi.waitFor(() => expect(portal.findBot(CODE)).toBeDefined(), { timeout: 15_000, interval: 100 })
    expect(registers(portal)).toHaveLength(2)
    await vi.waitFor(async () => expect((await readyz(w)).body.details).toBeUndefined())
    expect(await unregisteredGauge(w)).toBe(0)
    expect(lines(w, 'app installed, but the bot is not registered')).toHaveLength(1)
    expect(lines(w, 'bot registered after a failed attempt')).toHaveLength(1)
    const printed = w.logs.join('')
    for (const secret of [install.accessToken, install.refreshToken, install.applicationToken]) {
      expect(printed).not.toContain(secret)
    }
  }, 30_000)

  it('retries at once on a redelivered install, logs once per state change, and stops when uninstalled', async () => {
    world = await startOAuthWorld({ env: ENV })
    const w = world
    const { portal } = w.a
    portal.inject({ kind: 'refuse', code: 'ACCESS_DENIED', method: 'imbot.v2.Bot.register', times: 2 })
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })
    // Redelivered: no second verification, but the pending registration is tried again at once (refused again).
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'duplicate' })
    await vi.waitFor(() => expect(registers(portal)).toHaveLength(2))
    expect(w.oauth.requests).toHaveLength(1)
    // The same refusal twice is one state: one error line.
    expect(lines(w, 'app installed, but the bot is not registered')).toHaveLength(1)
    expect(lines(w, 'bot registration still failing, for another reason')).toHaveLength(0)
    expect((await readyz(w)).body.details?.[0]).toContain('ACCESS_DENIED')
    // The next redelivery registers it.
    expect(JSON.parse((await portal.deliver(install.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'duplicate' })
    await vi.waitFor(() => expect(portal.findBot(CODE)).toBeDefined())
    await vi.waitFor(async () => expect(await unregisteredGauge(w)).toBe(0))
    expect(registers(portal)).toHaveLength(3)

    // A portal uninstalled while its registration is pending is no longer retried or reported.
    const other = await w.addPortal('c')
    other.portal.inject({ kind: 'refuse', code: 'BOT_LIMIT_EXCEEDED', method: 'imbot.v2.Bot.register', times: 100 })
    const second = other.portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    await other.portal.deliver(second.event, w.eventsUrl)
    expect(await unregisteredGauge(w)).toBe(1)
    const done = await other.portal.deliver(other.portal.uninstallEvent(second.applicationToken), w.eventsUrl)
    expect(done.status).toBe(200)
    expect(await unregisteredGauge(w)).toBe(0)
    expect((await readyz(w)).body.details).toBeUndefined()
  }, 30_000)
})
