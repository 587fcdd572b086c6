import { requireOwnedBot } from '../bot-access.js'
import type { MethodHandler } from '../context.js'
import { intParam, stringParam } from '../params.js'
import { fail } from '../rest-error.js'

/**
 * `imbot.v2.Chat.Message.read {botId, botToken, dialogId, messageId?}`: marks everything up to and including
 * `messageId` (all when omitted) read by the bot; `{chatId, lastId, counter, viewedMessages}`.
 * A missing dialogId is answered ACCESS_DENIED (the page documents no code for it).
 * @see CB2/imbot.v2/messages/chat-message-read.md
 */
export const chatMessageRead: MethodHandler = (ctx, params) => {
  const bot = requireOwnedBot(ctx, params)
  const dialogId = stringParam(params.dialogId) ?? fail('ACCESS_DENIED')
  const chat = ctx.world.resolveDialog(bot.id, dialogId)
  if (!chat?.members.has(bot.id)) fail('ACCESS_DENIED')
  const messageId = intParam(params.messageId)
  if (messageId !== undefined && !ctx.world.messageIn(chat, messageId)) fail('MESSAGE_NOT_FOUND')
  const upTo = messageId ?? chat.messages.at(-1)?.id ?? 0
  const outcome = ctx.world.markRead(bot.id, chat, upTo)
  ctx.ledger.record(bot.id, dialogId, chat.id, upTo, messageId, outcome.viewed.length)
  return { chatId: chat.id, lastId: outcome.lastId, counter: outcome.counter, viewedMessages: outcome.viewed }
}
