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

  it('reads the fixture message with im.dialog.read when B24_READ_METHOD says so', async () => {
    world = await startWorld({
      env: { B24_BOT_ID: '567', B24_APPLICATION_TOKEN: FIXTURE_APP_TOKEN, B24_READ_METHOD: 'im.dialog.read' },
    })
    const w = world
    expect((await post(w, FIXTURE)).status).toBe(200)
    await vi.waitFor(() => expect(requestsOf(w, 'im.dialog.read')).toHaveLength(1))
    expect(requestsOf(w, 'im.dialog.read')[0]?.body).toEqual({ DIALOG_ID: '27', MESSAGE_ID: 84331 })
    expect(requestsOf(w, 'imbot.v2.Chat.Message.read')).toHaveLength(0)
    // The webhook's user has no dialog with user 27 on the simulated portal: `false` is a refusal, not a read.
    await vi.waitFor(() => expect(w.printed()).toContain('read dropped'))
    const dropped = w.logs.map((l) => JSON.parse(l)).find((l) => l.msg?.startsWith('read dropped'))
    expect(dropped).toMatchObject({ code: 'ACCESS_DENIED', dialogId: '27', messageId: 84331 })
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

  it('marks a v1 group message read as the webhook user with im.dialog.read', async () => {
    world = await startWorld({ env: { B24_READ_METHOD: 'im.dialog.read' } })
    const w = world
    const user = w.portal.webhookUserId
    w.portal.userSends({ botId: w.botId, dialogId: 'chat9', authorId: user })
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat9', authorId: 42 })
    const event = v1MessageAddEvent({
      botId: w.botId,
      dialogId: 'chat9',
      messageId: sent.messageId,
      authorId: 42,
      applicationToken: TEST_SECRETS.applicationToken,
    })
    expect((await post(w, phpHttpBuildQuery(event))).status).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(user, 'chat9')).toEqual({ lastReadId: sent.messageId, unread: 0 }))
    // im.dialog.read acts as the webhook's user: the bot's own read mark is untouched.
    expect(w.portal.readState(w.botId, 'chat9').unread).toBe(2)
    expect(w.printed()).not.toContain(TEST_SECRETS.botToken)
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
