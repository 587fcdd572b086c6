import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const registers = (portal: Portal) => portal.requests.filter((r) => r.method === 'imbot.v2.Bot.register')
const CODE = 'autoread_vendor'

describe('OAuth app install and uninstall (real SDK, HTTPS, one OAuth server)', () => {
  it('installs on three portals (one twice), registers the bot on each, and serves their events', async () => {
    world = await startOAuthWorld({
      portals: 3,
      env: { B24_PUBLIC_URL: 'https://autoread.example.com', B24_BOT_CODE: CODE, B24_BOT_NAME: 'Reader' },
    })
    const w = world
    const secrets: string[] = [APP.clientSecret, APP.eventsSecret, APP.tokenKey]
    for (const { portal } of w.all) {
      const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
      secrets.push(install.accessToken, install.refreshToken, install.applicationToken)
      const res = await portal.deliver(install.event, w.eventsUrl)
      expect(JSON.parse(res.body)).toEqual({ ok: true, outcome: 'accepted' })
      // A redelivered install changes nothing: no second verification, no second registration.
      const again = await portal.deliver(install.event, w.eventsUrl)
      expect(JSON.parse(again.body)).toEqual({ ok: true, outcome: 'duplicate' })
      const bot = portal.findBot(CODE)
      expect(bot).toMatchObject({
        clientId: APP.clientId,
        eventMode: 'webhook',
        name: 'Reader',
        webhookUrl: `https://autoread.example.com/bitrix24/events/${APP.eventsSecret}`,
      })
      expect(registers(portal)).toHaveLength(1)
    }
    expect(w.oauth.requests).toHaveLength(3)

    // The first portal reinstalls: a new application token; events with the old one are refused from then on.
    const first = w.a.portal
    const reinstall = first.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.parse((await first.deliver(reinstall.event, w.eventsUrl)).body)).toMatchObject({ outcome: 'accepted' })
    expect(registers(first)).toHaveLength(2)
    expect(first.findBot(CODE)?.applicationToken).not.toBe(reinstall.applicationToken)

    // Each portal's registered bot messages the service; its events carry the install's application token.
    for (const { portal } of w.all.slice(1)) {
      const bot = portal.findBot(CODE)
      if (bot === undefined) throw new Error('registered')
      const sent = await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '27' }, { url: w.eventsUrl })
      expect(sent.delivery.status).toBe(200)
      await vi.waitFor(() => expect(portal.readState(bot.id, '27').unread).toBe(0))
    }
    const stale = w.a.portal.findBot(CODE)
    if (stale === undefined) throw new Error('registered')
    // Bot registered under the first install: its events carry the old token and no refresh token.
    const refused = await w.a.portal.userSendsAndDeliver({ botId: stale.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(refused.delivery.status).toBe(401)
    expect(w.foreignTokens()).toBe(0)
    const printed = w.logs.join('')
    for (const secret of [...secrets, reinstall.accessToken, reinstall.refreshToken, reinstall.applicationToken]) {
      expect(printed).not.toContain(secret)
    }
  })

  it('forgets a portal on ONAPPUNINSTALL with its token, and refuses one with another token', async () => {
    world = await startOAuthWorld({ env: { B24_PUBLIC_URL: 'https://autoread.example.com' } })
    const w = world
    const { portal } = w.b
    const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    await portal.deliver(install.event, w.eventsUrl)
    expect(w.service.store.tenantIds()).toEqual([portal.memberId])

    const forged = await portal.deliver(portal.uninstallEvent('not-the-install-token'), w.eventsUrl)
    expect(forged.status).toBe(401)
    expect(w.service.store.tenantIds()).toEqual([portal.memberId])

    const done = await portal.deliver(portal.uninstallEvent(install.applicationToken), w.eventsUrl)
    expect(JSON.parse(done.body)).toEqual({ ok: true, outcome: 'accepted' })
    expect(w.service.store.tenantIds()).toEqual([])
    expect(w.service.portals.entries()).toHaveLength(0)
    const again = await portal.deliver(portal.uninstallEvent(install.applicationToken), w.eventsUrl)
    expect(JSON.parse(again.body)).toEqual({ ok: true, outcome: 'duplicate' })
    // After a restart nothing of the portal comes back.
    await w.restart()
    expect(w.service.store.tenantIds()).toEqual([])
  })
})
