import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Portal, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook } from './support/portal-client.js'

describe('imbot.v2.Chat.Message.send on the simulated portal', () => {
  let portal: Portal
  let bot: SimBot
  const send = (params: object) => callHook(portal, 'imbot.v2.Chat.Message.send', params)

  beforeEach(async () => {
    portal = await startPortal()
    bot = portal.addBot({ code: 'autoread', botToken: 'bot-token' })
  })
  afterEach(() => closeChecked(portal))

  it('posts the text as the bot in the dialog and answers the new message id', async () => {
    const incoming = portal.userSends({ botId: bot.id, dialogId: '27', text: 'ping' })
    const res = await send({ botId: bot.id, botToken: 'bot-token', dialogId: '27', fields: { message: 'pong' } })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ result: { id: incoming.messageId + 1 } })
    expect(portal.textsBy(bot.id, '27')).toEqual(['pong'])
    // The user's message is still unread by the bot: sending does not read what came before.
    expect(portal.readState(bot.id, '27').unread).toBe(1)
  })

  it('refuses a dialog the bot is not in, an empty text and a wrong token', async () => {
    portal.userSends({ botId: bot.id, dialogId: '27' })
    const outside = await send({ botId: bot.id, botToken: 'bot-token', dialogId: 'chat999', fields: { message: 'x' } })
    expect(outside.json).toMatchObject({ error: 'ACCESS_DENIED' })
    const empty = await send({ botId: bot.id, botToken: 'bot-token', dialogId: '27', fields: { message: ' ' } })
    expect(empty.json).toMatchObject({ error: 'ERROR_ARGUMENT' })
    const wrong = await send({ botId: bot.id, botToken: 'nope', dialogId: '27', fields: { message: 'x' } })
    expect(wrong.status).toBeGreaterThanOrEqual(400)
    expect(portal.textsBy(bot.id, '27')).toEqual([])
  })
})
