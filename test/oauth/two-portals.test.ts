import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { APP, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const readsOf = (portal: Portal) => portal.requests.filter((r) => r.method === 'imbot.v2.Chat.Message.read')

/** Everything the service printed must be free of the app's secrets and of every token in play. */
function expectNoSecrets(w: OAuthWorld, tokens: readonly string[]): void {
  const printed = w.logs.join('')
  for (const secret of [APP.clientSecret, APP.eventsSecret, ...tokens]) expect(printed).not.toContain(secret)
}

describe('OAuth app mode: one service, many portals (real SDK, HTTPS)', () => {
  it('reads each message on its own portal with that portal’s token and no botToken', async () => {
    world = await startOAuthWorld()
    const w = world
    // Same bot id and the same message ids on both portals: only the portal tells the events apart.
    expect(w.a.bot.id).toBe(w.b.bot.id)
    const sentA = await w.a.portal.userSendsAndDeliver({ botId: w.a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    const sentB = await w.b.portal.userSendsAndDeliver({ botId: w.b.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(sentA.messageId).toBe(sentB.messageId)
    expect(sentA.delivery.status).toBe(200)
    expect(JSON.parse(sentB.delivery.body)).toEqual({ ok: true, outcome: 'accepted' })

    for (const { portal, bot } of [w.a, w.b]) {
      await vi.waitFor(() => expect(portal.readState(bot.id, '27').unread).toBe(0))
      const reads = readsOf(portal)
      expect(reads).toHaveLength(1)
      expect(reads[0]?.path).toBe('/rest/imbot.v2.Chat.Message.read')
      // The first event of a portal is verified with the OAuth server: the read uses the tokens it answered.
      expect(reads[0]?.body).toEqual({
        botId: bot.id,
        dialogId: '27',
        messageId: sentA.messageId,
        auth: expect.any(String),
      })
    }
    expect(w.service.portals.entries().map((e) => e.key)).toEqual([w.a.portal.memberId, w.b.portal.memberId])
    expect(w.service.config.authMode).toBe('oauth')
    expect(w.oauth.requests.map((r) => Reflect.get(Object(r.body), 'refresh_token'))).toEqual([
      w.a.refreshToken,
      w.b.refreshToken,
    ])
    expect(w.foreignTokens()).toBe(0)
    const used = [w.a, w.b].map(({ portal }) => String(Reflect.get(Object(readsOf(portal)[0]?.body), 'auth')))
    expectNoSecrets(w, [w.a.bot.accessToken, w.b.bot.accessToken, w.a.refreshToken, ...used])
  })

  it('routes handler API calls to the event’s portal, authorised by the app', async () => {
    const seen: Array<{ botId: number; code: unknown }> = []
    const lookup: Middleware<EventContext> = async (ctx, next) => {
      const answer = await ctx.api<{ bot: { code: unknown } }>('imbot.v2.Bot.get')
      seen.push({ botId: ctx.event.bot.id, code: answer.bot.code })
      await next()
    }
    world = await startOAuthWorld({ handlers: [lookup] })
    const w = world
    await w.b.portal.userSendsAndDeliver({ botId: w.b.bot.id, dialogId: 'chat5' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(seen).toEqual([{ botId: w.b.bot.id, code: 'autoread' }]))
    const gets = w.b.portal.requests.filter((r) => r.method === 'imbot.v2.Bot.get')
    expect(gets.map((r) => r.body)).toEqual([{ botId: w.b.bot.id, auth: expect.any(String) }])
    expect(w.a.portal.requests).toHaveLength(0)
  })

  it('verifies a new portal only at the configured OAuth server, whatever server_endpoint the event names', async () => {
    world = await startOAuthWorld()
    const w = world
    const sent = w.a.portal.userSends({ botId: w.a.bot.id, dialogId: '27' })
    const auth = { ...sent.event.data.bot.auth, server_endpoint: 'https://oauth.attacker.invalid/rest/' }
    const event = { ...sent.event, data: { ...sent.event.data, bot: { ...sent.event.data.bot, auth } } }
    expect((await w.a.portal.deliver(event, w.eventsUrl)).status).toBe(200)
    await vi.waitFor(() => expect(w.a.portal.readState(w.a.bot.id, '27').unread).toBe(0))

    expect(w.oauth.requests).toHaveLength(1)
    expect(w.oauth.requests[0]?.body).toMatchObject({
      grant_type: 'refresh_token',
      client_id: APP.clientId,
      client_secret: '***',
      refresh_token: w.a.refreshToken,
    })
    const read = readsOf(w.a.portal)[0]?.body as Record<string, unknown>
    expect(read.auth).toEqual(expect.any(String))
    expect(read.auth).not.toBe(w.a.bot.accessToken)
    expect(read.botToken).toBeUndefined()
    expectNoSecrets(w, [w.a.bot.accessToken, w.a.refreshToken, String(read.auth)])
  })

  it('calls a verified portal only with tokens the OAuth server issued, whatever later events carry', async () => {
    world = await startOAuthWorld()
    const w = world
    const { portal, bot } = w.b
    await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '31' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(readsOf(portal)).toHaveLength(1))
    const issued = Reflect.get(Object(readsOf(portal)[0]?.body), 'auth')

    const other = 'other-access-token-for-portal-b-0001'
    const nowS = Math.floor(Date.now() / 1000)
    portal.addOAuthToken({ accessToken: other, clientId: APP.clientId, expiresAt: nowS + 7200, userId: bot.id })
    const sent = portal.userSends({ botId: bot.id, dialogId: '31' })
    sent.event.data.bot.auth.access_token = other
    sent.event.data.bot.auth.expires = String(nowS + 7000)
    expect((await portal.deliver(sent.event, w.eventsUrl)).status).toBe(200)
    await vi.waitFor(() => expect(portal.readState(bot.id, '31')).toEqual({ lastReadId: sent.messageId, unread: 0 }))

    expect(readsOf(portal)[1]?.body).toMatchObject({ auth: issued })
    expect(w.oauth.requests).toHaveLength(1)
    expect(w.service.portals.entries()).toHaveLength(1)
    expectNoSecrets(w, [bot.accessToken, other, String(issued)])
  })

  it('refuses an unknown portal’s event that carries no tokens (401), and keeps nothing of it', async () => {
    world = await startOAuthWorld()
    const w = world
    const sent = w.a.portal.userSends({ botId: w.a.bot.id, dialogId: '27' })
    const { auth: _dropped, ...bot } = sent.event.data.bot
    const res = await w.a.portal.deliver({ ...sent.event, data: { ...sent.event.data, bot } }, w.eventsUrl)
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toMatchObject({ error: 'PORTAL_UNVERIFIED' })
    expect(readsOf(w.a.portal)).toHaveLength(0)
    // The same message with its tokens is not taken for a duplicate.
    const again = await w.a.portal.deliver(sent.event, w.eventsUrl)
    expect(JSON.parse(again.body)).toEqual({ ok: true, outcome: 'accepted' })
    await vi.waitFor(() => expect(w.a.portal.readState(w.a.bot.id, '27').unread).toBe(0))
  })
})
