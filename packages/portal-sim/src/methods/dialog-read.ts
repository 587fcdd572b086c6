import type { MethodHandler } from '../context.js'
import { intParam, stringParam } from '../params.js'
import { fail } from '../rest-error.js'

/**
 * v1 `im.dialog.read {DIALOG_ID, MESSAGE_ID?}`: reads as the **calling user**: the incoming webhook's user marks
 * their own conversation (`DIALOG_ID=27` is that person's chat with user 27), a bot's own OAuth token (from
 * `data[BOT][<id>]` of v1 events) marks the bot's. Bot reads count as reads; a person's in `humanDialogReads`.
 * `{dialogId, chatId, lastId, counter}`, or `false` without access.
 * @see api-reference/chats/messages/im-dialog-read.md
 */
export const dialogRead: MethodHandler = (ctx, params) => {
  const dialogId = stringParam(params.DIALOG_ID) ?? fail('DIALOG_ID_EMPTY')
  const userId = ctx.auth.userId
  const chat = ctx.world.resolveDialog(userId, dialogId)
  if (!chat?.members.has(userId)) return false
  const messageId = intParam(params.MESSAGE_ID)
  const upTo = messageId !== undefined && !Number.isNaN(messageId) ? messageId : (chat.messages.at(-1)?.id ?? 0)
  const outcome = ctx.world.markRead(userId, chat, upTo)
  if (ctx.world.bots.has(userId)) ctx.ledger.record(userId, dialogId, chat.id, upTo, messageId, outcome.viewed.length)
  else ctx.ledger.humanDialogReads += 1
  return { dialogId, chatId: chat.id, lastId: outcome.lastId, counter: outcome.counter }
}
