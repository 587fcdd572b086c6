import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Portal, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook, callOAuth } from './support/portal-client.js'

const TIME_KEYS = [
  'start',
  'finish',
  'duration',
  'processing',
  'date_start',
  'date_finish',
  'operating_reset_at',
  'operating',
]

describe('imbot.v2.Chat.Message.read on the simulated portal', () => {
  let portal: Portal
  let bot: SimBot
  const read = (params: object) => callHook(portal, 'imbot.v2.Chat.Message.read', params)

  beforeEach(async () => {
    portal = await startPortal()
    bot = portal.addBot({ code: 'autoread', botToken: 'bot-token' })
  })
  afterEach(() => closeChecked(portal))

  it('marks the message and everything before it read, with the full time block', async () => {
    const m1 = portal.userSends({ botId: bot.id, dialogId: '27', text: 'one' })
    const m2 = portal.userSends({ botId: bot.id, dialogId: '27', text: 'two' })
    portal.userSends({ botId: bot.id, dialogId: '27', text: 'three' })
    const res = await read({ botId: bot.id, botToken: 'bot-token', dialogId: '27', messageId: m2.messageId })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      result: { chatId: m1.chatId, lastId: m2.messageId, counter: 1, viewedMessages: [m1.messageId, m2.messageId] },
    })
    expect(Object.keys((res.json as { time: object }).time)).toEqual(TIME_KEYS)
    expect(portal.readState(bot.id, '27')).toEqual({ lastReadId: m2.messageId, unread: 1 })
  })

  it('reads the whole dialog when messageId is omitted', async () => {
    portal.userSends({ botId: bot.id, dialogId: 'chat5' })
    const last = portal.userSends({ botId: bot.id, dialogId: 'chat5', authorId: 3 })
    const res = await read({ botId: bot.id, botToken: 'bot-token', dialogId: 'chat5' })
    expect(res.json).toMatchObject({ result: { chatId: 5, lastId: last.messageId, counter: 0 } })
    expect(portal.readState(bot.id, 'chat5')).toEqual({ lastReadId: last.messageId, unread: 0 })
  })

  it('accepts ids as numeric strings, as batch query strings carry them', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    const res = await read({
      botId: String(bot.id),
      botToken: 'bot-token',
      dialogId: '27',
      messageId: `${sent.messageId}`,
    })
    expect(res.status).toBe(200)
    expect(portal.readState(bot.id, '27').lastReadId).toBe(sent.messageId)
  })

  it.each<[string, number, (botId: number) => object]>([
    ['BOT_ID_REQUIRED', 400, () => ({ botToken: 'bot-token', dialogId: '27' })],
    ['BOT_TOKEN_NOT_SPECIFIED', 400, (botId) => ({ botId, dialogId: '27' })],
    ['BOT_NOT_FOUND', 400, () => ({ botId: 99_999, botToken: 'bot-token', dialogId: '27' })],
    ['BOT_OWNERSHIP_ERROR', 403, (botId) => ({ botId, botToken: 'someone-else', dialogId: '27' })],
    ['ACCESS_DENIED', 403, (botId) => ({ botId, botToken: 'bot-token', dialogId: 'chat999' })],
    ['MESSAGE_NOT_FOUND', 400, (botId) => ({ botId, botToken: 'bot-token', dialogId: '27', messageId: 1 })],
  ])('answers %s (HTTP %i) as documented', async (code, status, params) => {
    portal.userSends({ botId: bot.id, dialogId: '27' })
    const res = await read(params(bot.id))
    expect(res.status).toBe(status)
    expect(res.json).toEqual({ error: code, error_description: expect.any(String) })
    expect(portal.requests.at(-1)).toMatchObject({ status, errorCode: code })
  })

  it('denies a dialog the bot has left', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: 'chat5' })
    portal.botLeaves({ botId: bot.id, dialogId: 'chat5' })
    const res = await read({ botId: bot.id, botToken: 'bot-token', dialogId: 'chat5', messageId: sent.messageId })
    expect(res.json).toMatchObject({ error: 'ACCESS_DENIED' })
  })

  it('does not find a message that lives in another dialog', async () => {
    const elsewhere = portal.userSends({ botId: bot.id, dialogId: 'chat6' })
    portal.userSends({ botId: bot.id, dialogId: 'chat5' })
    const res = await read({ botId: bot.id, botToken: 'bot-token', dialogId: 'chat5', messageId: elsewhere.messageId })
    expect(res.json).toMatchObject({ error: 'MESSAGE_NOT_FOUND' })
  })

  it('counts a read below a confirmed messageId as a regression and never moves the mark back', async () => {
    const m1 = portal.userSends({ botId: bot.id, dialogId: '27' })
    const m2 = portal.userSends({ botId: bot.id, dialogId: '27' })
    await read({ botId: bot.id, botToken: 'bot-token', dialogId: '27', messageId: m2.messageId })
    const res = await read({ botId: bot.id, botToken: 'bot-token', dialogId: '27', messageId: m1.messageId })
    expect(res.json).toMatchObject({ result: { lastId: m2.messageId, viewedMessages: [] } })
    expect(portal.stats()).toMatchObject({ reads: 2, regressions: 1, duplicateReads: 1 })
    expect(portal.regressionLog).toEqual([
      { botId: bot.id, dialogId: '27', messageId: m1.messageId, confirmed: m2.messageId, at: expect.any(Number) },
    ])
    expect(portal.readState(bot.id, '27').lastReadId).toBe(m2.messageId)
  })

  it('counts a repeated read as a duplicate, not a regression', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    const params = { botId: bot.id, botToken: 'bot-token', dialogId: '27', messageId: sent.messageId }
    await read(params)
    await read(params)
    expect(portal.stats()).toMatchObject({ reads: 2, duplicateReads: 1, regressions: 0 })
  })

  it('lets an OAuth app read its own bot without botToken, and refuses a foreign app', async () => {
    const appBot = portal.addBot({ code: 'app-bot', clientId: 'app.1' })
    const sent = portal.userSends({ botId: appBot.id, dialogId: '27' })
    const expiresAt = Math.floor(Date.now() / 1000) + 3600
    portal.addOAuthToken({ accessToken: 'mine', clientId: 'app.1', expiresAt })
    portal.addOAuthToken({ accessToken: 'theirs', clientId: 'app.2', expiresAt })
    const params = { botId: appBot.id, dialogId: '27', messageId: sent.messageId }
    const ok = await callOAuth(portal, 'imbot.v2.Chat.Message.read', 'mine', params)
    expect(ok.json).toMatchObject({ result: { lastId: sent.messageId } })
    const foreign = await callOAuth(portal, 'imbot.v2.Chat.Message.read', 'theirs', params)
    expect(foreign).toMatchObject({ status: 403, json: { error: 'BOT_OWNERSHIP_ERROR' } })
  })
})

describe('im.dialog.read on the simulated portal', () => {
  let portal: Portal

  beforeEach(async () => {
    portal = await startPortal()
  })
  afterEach(() => portal.close())

  it('reads as the webhook user, leaving the bot unread', async () => {
    const bot = portal.addBot({ code: 'autoread', botToken: 't' })
    portal.userSends({ botId: bot.id, dialogId: 'chat5', authorId: 1 })
    const last = portal.userSends({ botId: bot.id, dialogId: 'chat5', authorId: 2 })
    const res = await callHook(portal, 'im.dialog.read', { DIALOG_ID: 'chat5' })
    expect(res.json).toMatchObject({ result: { dialogId: 'chat5', chatId: 5, lastId: last.messageId, counter: 0 } })
    expect(portal.readState(portal.webhookUserId, 'chat5').lastReadId).toBe(last.messageId)
    expect(portal.readState(bot.id, 'chat5')).toEqual({ lastReadId: 0, unread: 2 })
  })

  it('answers false for a dialog the user is not in', async () => {
    const bot = portal.addBot({ code: 'autoread', botToken: 't' })
    portal.userSends({ botId: bot.id, dialogId: 'chat7', authorId: 2 })
    const res = await callHook(portal, 'im.dialog.read', { DIALOG_ID: 'chat7' })
    expect(res.json).toMatchObject({ result: false })
  })

  it("marks the webhook user's own chat with DIALOG_ID=27, and the bot's with a v1 event's bot grant", async () => {
    const bot = portal.addBot({ code: 'v1bot' })
    portal.personSends({ from: 27, to: portal.webhookUserId })
    const sent = portal.v1UserSends({ botId: bot.id, dialogId: '27' })
    const entry = sent.event.data.BOT[String(bot.id)]
    expect(entry).toMatchObject({ access_token: sent.botAccessToken, client_endpoint: `${portal.url}/rest/` })

    const asUser = await callHook(portal, 'im.dialog.read', { DIALOG_ID: '27' })
    expect(asUser.json).toMatchObject({ result: { dialogId: '27', counter: 0 } })
    expect(portal.readState(portal.webhookUserId, '27').unread).toBe(0)
    expect(portal.readState(bot.id, '27').unread).toBe(1)
    expect(portal.stats()).toMatchObject({ humanDialogReads: 1, reads: 0 })

    const asBot = await callOAuth(portal, 'im.dialog.read', sent.botAccessToken ?? '', { DIALOG_ID: '27' })
    expect(asBot.json).toMatchObject({ result: { dialogId: '27', lastId: sent.messageId, counter: 0 } })
    expect(portal.readState(bot.id, '27')).toEqual({ lastReadId: sent.messageId, unread: 0 })
    expect(portal.stats()).toMatchObject({ humanDialogReads: 1, reads: 1 })
  })

  it('sends no bot tokens in a legacy (pre-2023) v1 event', () => {
    const bot = portal.addBot({ code: 'v1bot' })
    const sent = portal.v1UserSends({ botId: bot.id, dialogId: '27', legacy: true })
    expect(sent.botAccessToken).toBeUndefined()
    expect(sent.event.data.BOT[String(bot.id)]).not.toHaveProperty('access_token')
    expect(sent.event.data.BOT[String(bot.id)]).toHaveProperty('AUTH.member_id', portal.memberId)
  })

  it('refuses a missing DIALOG_ID with DIALOG_ID_EMPTY', async () => {
    const res = await callHook(portal, 'im.dialog.read', {})
    expect(res).toMatchObject({ status: 400, json: { error: 'DIALOG_ID_EMPTY' } })
  })
})
