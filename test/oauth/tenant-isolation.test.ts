import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP, type InstalledPortal, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const readsOf = (portal: Portal) => portal.requests.filter((r) => r.method === 'imbot.v2.Chat.Message.read')

/** Gives the portal's bot a fresh grant (as each real event carries tokens the OAuth server has just issued). */
function freshGrant(p: InstalledPortal): void {
  p.portal.addOAuthToken({
    accessToken: p.bot.accessToken,
    refreshToken: `fresh-${Math.random().toString(36).slice(2)}`,
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    userId: p.bot.id,
  })
}

/** An event of `from`'s portal (its own tokens and application token) that names `victim`'s portal. */
function forged(from: InstalledPortal, victim: InstalledPortal, dialogId: string) {
  const sent = from.portal.userSends({ botId: from.bot.id, dialogId })
  const member = { member_id: victim.portal.memberId, domain: victim.portal.domain }
  const event = {
    ...sent.event,
    data: { ...sent.event.data, bot: { ...sent.event.data.bot, auth: { ...sent.event.data.bot.auth, ...member } } },
    auth: { ...sent.event.auth, ...member },
  }
  return { sent, event }
}

describe('OAuth tenants cannot reach each other (real SDK, HTTPS, one OAuth server for all portals)', () => {
  it('refuses an event naming another portal’s member_id with the sender’s own tokens, before and after a restart', async () => {
    world = await startOAuthWorld({ portals: 3 })
    const w = world
    const [victim, attacker] = [w.a, w.all[2]]
    if (attacker === undefined) throw new Error('three portals')

    // Before the victim is known: the OAuth server says the tokens are the attacker's.
    const first = forged(attacker, victim, '27')
    const refused = await attacker.portal.deliver(first.event, w.eventsUrl)
    expect(refused.status).toBe(403)
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'PORTAL_MISMATCH' })
    expect(w.service.portals.entries()).toHaveLength(0)
    // The refused delivery left no dedupe key: it is refused again, not called a duplicate (its refresh token was
    // spent on the OAuth server, so now it proves nothing at all).
    expect((await attacker.portal.deliver(first.event, w.eventsUrl)).status).toBe(401)
    freshGrant(attacker)

    // The victim installs (its first event is verified), then the attacker tries again.
    await victim.portal.userSendsAndDeliver({ botId: victim.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(victim.portal.readState(victim.bot.id, '27').unread).toBe(0))
    const second = forged(attacker, victim, '28')
    expect((await attacker.portal.deliver(second.event, w.eventsUrl)).status).toBe(403)

    await w.restart()
    freshGrant(attacker)
    const third = forged(attacker, victim, '29')
    expect((await attacker.portal.deliver(third.event, w.eventsUrl)).status).toBe(403)
    // The victim's portal is still served after the restart, from its stored record.
    await victim.portal.userSendsAndDeliver({ botId: victim.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(victim.portal.readState(victim.bot.id, '27').unread).toBe(0))

    expect(readsOf(attacker.portal)).toHaveLength(0)
    expect(readsOf(victim.portal)).toHaveLength(2)
    expect(w.service.portals.entries().map((e) => e.key)).toEqual([victim.portal.memberId])
    expect(w.foreignTokens()).toBe(0)
  })

  it('sends a portal’s calls only to the endpoint the OAuth server names, never one from the event', async () => {
    world = await startOAuthWorld()
    const w = world
    const sent = w.b.portal.userSends({ botId: w.b.bot.id, dialogId: '27' })
    const elsewhere = { client_endpoint: `${w.a.portal.url}/rest/` }
    const event = {
      ...sent.event,
      data: {
        ...sent.event.data,
        bot: { ...sent.event.data.bot, auth: { ...sent.event.data.bot.auth, ...elsewhere } },
      },
      auth: { ...sent.event.auth, ...elsewhere },
    }
    expect((await w.b.portal.deliver(event, w.eventsUrl)).status).toBe(200)
    await vi.waitFor(() => expect(w.b.portal.readState(w.b.bot.id, '27').unread).toBe(0))
    expect(w.a.portal.requests).toHaveLength(0)
    expect(w.foreignTokens()).toBe(0)
  })

  it('answers 4xx to malformed auth blocks and bad endpoints, never 5xx, and keeps nothing', async () => {
    world = await startOAuthWorld()
    const w = world
    const sent = w.a.portal.userSends({ botId: w.a.bot.id, dialogId: '27' })
    const withAuth = (botAuth: object, auth: object) => ({
      ...sent.event,
      data: { ...sent.event.data, bot: { ...sent.event.data.bot, auth: { ...sent.event.data.bot.auth, ...botAuth } } },
      auth: { ...sent.event.auth, ...auth },
    })
    const cases = [
      withAuth({ member_id: '' }, { member_id: '' }),
      withAuth({ member_id: 'a|b' }, { member_id: 'a|b' }),
      withAuth({ refresh_token: '' }, {}),
      withAuth({ refresh_token: 'not-a-grant' }, {}),
    ]
    for (const event of cases) {
      const res = await w.a.portal.deliver(event, w.eventsUrl)
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
    }
    // A bad endpoint in the event is never used at all: the OAuth server's answer is.
    const bad = await w.a.portal.deliver(
      withAuth({ client_endpoint: 'https://[' }, { client_endpoint: 'https://[' }),
      w.eventsUrl,
    )
    expect(JSON.parse(bad.body)).toEqual({ ok: true, outcome: 'accepted' })
    await vi.waitFor(() => expect(w.a.portal.readState(w.a.bot.id, '27').unread).toBe(0))
    expect(w.foreignTokens()).toBe(0)
  })

  it('after a restart, refreshes stored tokens that expired meanwhile and replays the stored read', async () => {
    world = await startOAuthWorld({ env: { SHUTDOWN_TIMEOUT_MS: '200' } })
    const w = world
    const { portal, bot } = w.a
    await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '27' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(portal.readState(bot.id, '27').unread).toBe(0))

    portal.setDown(true)
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    expect((await portal.deliver(sent.event, w.eventsUrl)).status).toBe(200)
    // Closed while the portal was down: the read stays stored. Two hours pass; the stored access token expires.
    await w.service.close()
    w.advance(2 * 3600_000)
    portal.setDown(false)
    const refreshesBefore = w.oauth.requests.length
    await w.restart()

    await vi.waitFor(() => expect(portal.readState(bot.id, '27')).toEqual({ lastReadId: sent.messageId, unread: 0 }))
    expect(w.oauth.requests.length).toBeGreaterThan(refreshesBefore)
    expect(portal.stats().rejected401).toBeGreaterThan(0)
    expect(w.foreignTokens()).toBe(0)
  })
})
