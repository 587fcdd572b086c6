import { requireOwnedBot } from '../bot-access.js'
import type { MethodHandler } from '../context.js'
import { bitrixDate } from '../events/event-parts.js'
import { objectParam, stringParam } from '../params.js'
import { fail } from '../rest-error.js'

/** The documented upper bound of a message's text. */
const MAX_TEXT = 20_000

/**
 * `imbot.v2.Chat.Message.send {botId, botToken, dialogId, fields{message}}`: the bot posts a text message; `{id, uuidMap}`.
 * Only the text is modelled (attachments, keyboards and forwards are accepted and ignored). The docs name no error
 * codes for an empty or over-long text or a missing dialog: this simulator assumes ACCESS_DENIED for a dialog the bot
 * is not in and ERROR_ARGUMENT for an empty or over-long text.
 * @see CB2/imbot.v2/messages/chat-message-send.md
 */
export const chatMessageSend: MethodHandler = (ctx, params) => {
  const bot = requireOwnedBot(ctx, params)
  const dialogId = stringParam(params.dialogId) ?? fail('ACCESS_DENIED')
  const chat = ctx.world.resolveDialog(bot.id, dialogId)
  if (!chat?.members.has(bot.id)) fail('ACCESS_DENIED')
  const text = stringParam(objectParam(params.fields)?.message)?.trim()
  if (!text) fail('ERROR_ARGUMENT')
  if (text.length > MAX_TEXT) fail('ERROR_ARGUMENT')
  // The bot's own messages never count as unread for it, and sending reads nothing else (an assumption: the docs
  // do not say whether posting moves the author's read mark).
  const message = ctx.world.addMessage(chat, bot.id, text, bitrixDate())
  return { id: message.id, uuidMap: [] }
}
