import { phpHttpBuildQuery, readFixture, v1MessageAddEvent } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const FIXTURE = readFixture('v1-message-add.form')
/** The application token of the fixture (the docs' placeholder). */
const FIXTURE_APP_TOKEN = '831c76b092f9f135d9b6b36c3a720757'

async function post(w: World, body: string) {
  const res = await fetch(`${w.service.url}/bitrix24/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const requestsOf = (w: World, method: string) => w.portal.requests.filter((r) => r.method === method)

describe('legacy v1 bots end to end (real SDK, HTTPS)', () => {
  it('reads the fixture message with imbot.v2.Chat.Message.read as the configured bot', async () => {
    world = await startWorld({ env: { B24_BOT_ID: '567', B24_APPLICATION_TOKEN: FIXTURE_APP_TOKEN } })
    const w = world
    expect(await post(w, FIXTURE)).toEqual({ status: 200, body: { ok: true, outcome: 'accepted' } })
    await vi.waitFor(() => expect(requestsOf(w, 'imbot.v2.Chat.Message.read')).toHaveLength(1))
    expect(requestsOf(w, 'imbot.v2.Chat.Message.read')[0]?.body).toEqual({
      botId: 567,
      botToken: TEST_SECRETS.botToken,
      dialogId: '27',
      messageId: 84331,
    })
    // The same delivery again is a duplicate.
    expect((await post(w, FIXTURE)).body).toEqual({ ok: true, outcome: 'duplicate' })
  })

  it("refuses the fixture with im.dialog.read: its bot tokens name the docs' portal, not this one (403)", async () => {
    world = await startWorld({
      env: { B24_BOT_ID: '567', B24_APPLICATION_TOKEN: FIXTURE_APP_TOKEN, B24_READ_METHOD: 'im.dialog.read' },
    })
    const w = world
    const answer = await post(w, FIXTURE)
    expect(answer).toMatchObject({ status: 403, body: { ok: false, error: 'BOT_ENDPOINT_MISMATCH' } })
    expect(requestsOf(w, 'im.dialog.read')).toHaveLength(0)
    expect(w.printed()).not.toContain('0b02a0690000071b0008440001b0007a16b39202c2490f015')
  })

  it('marks a v1 message read on the portal through v2, the bot being picked out of several', async () => {
    world = await startWorld()
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: '27', text: 'v1 hello' })
    const event = v1MessageAddEvent({
      botId: w.botId,
      dialogId: '27',
      messageId: sent.messageId,
      applicationToken: TEST_SECRETS.applicationToken,
    })
    const other = { ...event.data.BOT[String(w.botId)], BOT_ID: '9999', BOT_CODE: 'OTHER' }
    const both = { ...event, data: { ...event.data, BOT: { '9999': other, ...event.data.BOT } } }
    expect((await post(w, phpHttpBuildQuery(both))).status).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, '27')).toEqual({ lastReadId: sent.messageId, unread: 0 }))
  })

  it('rejects a v1 body without its message id (400) and ignores other v1 events', async () => {
    world = await startWorld()
    const w = world
    const event = v1MessageAddEvent({ botId: w.botId, applicationToken: TEST_SECRETS.applicationToken })
    const broken = { ...event, data: { ...event.data, PARAMS: { ...event.data.PARAMS, MESSAGE_ID: 'abc' } } }
    const bad = await post(w, phpHttpBuildQuery(broken))
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('data.PARAMS.MESSAGE_ID must be a positive integer')
    const join = { event: 'ONIMBOTJOINCHAT', data: { PARAMS: { DIALOG_ID: 'chat1' } }, auth: event.auth }
    expect((await post(w, phpHttpBuildQuery(join))).body).toEqual({
      ok: true,
      outcome: 'ignored',
      reason: 'unknown-event',
    })
  })
})
