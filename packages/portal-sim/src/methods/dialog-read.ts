import type { MethodHandler } from '../context.js'
import { intParam, stringParam } from '../params.js'
import { fail } from '../rest-error.js'

/**
 * v1 `im.dialog.read {DIALOG_ID, MESSAGE_ID?}`: reads as the **calling user** (not a bot);
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
  return { dialogId, chatId: chat.id, lastId: outcome.lastId, counter: outcome.counter }
}
