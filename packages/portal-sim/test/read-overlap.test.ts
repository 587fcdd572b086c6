import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Portal, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook } from './support/portal-client.js'

describe('overlapping reads of one dialog', () => {
  let portal: Portal
  let bot: SimBot
  const read = (dialogId: string, messageId: number) =>
    callHook(portal, 'imbot.v2.Chat.Message.read', { botId: bot.id, botToken: 'bot-token', dialogId, messageId })

  beforeEach(async () => {
    portal = await startPortal({ latencyMs: 80 })
    bot = portal.addBot({ code: 'autoread', botToken: 'bot-token' })
  })
  afterEach(() => closeChecked(portal))

  it('counts a read that arrives while another read of the same dialog is in flight, and no other', async () => {
    const a = portal.userSends({ botId: bot.id, dialogId: 'chat5' })
    const b = portal.userSends({ botId: bot.id, dialogId: 'chat6' })
    await read('chat5', a.messageId)
    await Promise.all([read('chat5', a.messageId), read('chat6', b.messageId)])
    expect(portal.stats().overlappingReads).toBe(0)
    await Promise.all([read('chat5', a.messageId), read('chat5', a.messageId)])
    expect(portal.stats().overlappingReads).toBe(1)
    portal.reset()
    expect(portal.stats().overlappingReads).toBe(0)
  })
})
