import { afterEach, describe, expect, it, vi } from 'vitest'
import { type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

/**
 * Portal A is verified (its first event, read), then goes down with dialogs 27 and 28 pending, which fills a global
 * bound of 2; portal B's new dialog 31 is then refused 503. Returns B's refused delivery.
 */
async function fillGlobalBoundFromA(w: OAuthWorld) {
  const { a, b } = w
  await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
  await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '27').unread).toBe(0))
  a.portal.setDown(true)
  for (const dialogId of ['27', '28']) {
    const sent = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
  }
  // Portal B has nothing pending, yet its new dialog is refused: all portals' pending dialogs are at the bound.
  const refused = await b.portal.userSendsAndDeliver({ botId: b.bot.id, dialogId: '31' }, { url: w.eventsUrl })
  expect(refused.delivery.status).toBe(503)
  return refused
}

describe('per-portal capacity (real SDK, HTTPS)', () => {
  it('answers 503 to a new dialog of the portal at its bound while another portal keeps reading', async () => {
    world = await startOAuthWorld({ env: { MAX_PENDING_DIALOGS: '1' } })
    const w = world
    const { a, b } = w
    // Portal A is verified, then goes down: its one pending dialog fills its bound.
    await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '27').unread).toBe(0))
    a.portal.setDown(true)
    const stuck = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(stuck.delivery.status).toBe(200)
    const full = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '28' }, { url: w.eventsUrl })
    expect(full.delivery.status).toBe(503)
    expect(JSON.parse(full.delivery.body)).toMatchObject({ error: 'OVERLOADED' })

    for (const dialogId of ['27', '28']) {
      const sent = await b.portal.userSendsAndDeliver({ botId: b.bot.id, dialogId }, { url: w.eventsUrl })
      expect(sent.delivery.status).toBe(200)
      await vi.waitFor(() => expect(b.portal.readState(b.bot.id, dialogId).unread).toBe(0))
    }
    a.portal.setDown(false)
    // The dialog's own backoff (1 s doubling, jittered) decides when the read is tried again: wait generously.
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '27').unread).toBe(0), { timeout: 15_000 })
    expect(w.foreignTokens()).toBe(0)
  })

  it('answers 503 to a new dialog on any portal once all portals together hold MAX_PENDING_DIALOGS_TOTAL', async () => {
    world = await startOAuthWorld({ env: { MAX_PENDING_DIALOGS: '5', MAX_PENDING_DIALOGS_TOTAL: '2' } })
    const w = world
    const { a, b } = w
    const refused = await fillGlobalBoundFromA(w)
    expect(JSON.parse(refused.delivery.body)).toMatchObject({ error: 'OVERLOADED' })
    // A pending dialog still takes newer messages (the bound is on dialogs, not messages).
    const more = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '28' }, { url: w.eventsUrl })
    expect(more.delivery.status).toBe(200)

    a.portal.setDown(false)
    await vi.waitFor(
      () => {
        for (const dialogId of ['27', '28']) expect(a.portal.readState(a.bot.id, dialogId).unread).toBe(0)
      },
      { timeout: 15_000 },
    )
    // The refused event left no dedupe key behind: Bitrix24's redelivery is accepted, not called a duplicate.
    const again = await b.portal.deliver(refused.event, w.eventsUrl)
    expect(JSON.parse(again.body)).toEqual({ ok: true, outcome: 'accepted' })
    await vi.waitFor(() => expect(b.portal.readState(b.bot.id, '31').unread).toBe(0))
    expect(w.foreignTokens()).toBe(0)
  })

  it("gives an uninstalled portal's pending dialogs back to the global bound", async () => {
    world = await startOAuthWorld({ env: { MAX_PENDING_DIALOGS: '5', MAX_PENDING_DIALOGS_TOTAL: '2' } })
    const w = world
    const { a, b } = w
    const refused = await fillGlobalBoundFromA(w)
    // The app is removed from A: its reads will never be done, so they no longer hold the bound for B.
    const gone = await a.portal.deliver(a.portal.uninstallEvent(a.bot.applicationToken ?? ''), w.eventsUrl)
    expect(JSON.parse(gone.body)).toEqual({ ok: true, outcome: 'accepted' })
    const again = await b.portal.deliver(refused.event, w.eventsUrl)
    expect(JSON.parse(again.body)).toEqual({ ok: true, outcome: 'accepted' })
    await vi.waitFor(() => expect(b.portal.readState(b.bot.id, '31').unread).toBe(0), { timeout: 10_000 })
    expect(w.foreignTokens()).toBe(0)
  })
})
