import { afterEach, describe, expect, it, vi } from 'vitest'
import { type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('a refresh the OAuth server refuses (real SDK, HTTPS)', () => {
  it('pauses the portal on invalid_grant (a configuration error) instead of retrying the read for ever', async () => {
    world = await startOAuthWorld()
    const w = world
    const { portal, bot } = w.a
    await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '27' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(portal.readState(bot.id, '27').unread).toBe(0))

    // The portal's refresh tokens end and its access token expires: the refresh gets invalid_grant.
    w.oauth.tokens.expireRefreshTokens(portal.memberId)
    w.advance(2 * 3600_000)
    const before = w.oauth.requests.length
    const sent = await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
    await vi.waitFor(() => expect(w.logs.join('')).toMatch(/"code":"invalid_grant".*"msg":"reads paused/))
    await w.service.idle()
    const refreshes = w.oauth.requests.length - before
    expect(refreshes).toBeGreaterThan(0)
    expect(refreshes).toBeLessThan(4)
    expect(w.foreignTokens()).toBe(0)
    // Paused, not dropped: the read is still owed in the store.
    expect(w.service.store.pendingReads().some((m) => m.dialogId === '27')).toBe(true)
  })
})
