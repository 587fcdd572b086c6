/**
 * `b24-autoread read`: one mark-read, as the bot (`imbot.v2.Chat.Message.read`) or as the webhook's user
 * (`im.dialog.read`). Without `--message` the whole dialog is read.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-read.html
 */
import { isDialogId } from '../../events/coerce.js'
import { botIdentity, parseCommandArgs } from '../args.js'
import type { CliContext } from '../context.js'
import { portalError, usageError } from '../io.js'

const METHODS = ['imbot.v2.Chat.Message.read', 'im.dialog.read'] as const

/** Marks a dialog read. */
export async function read(args: readonly string[], ctx: CliContext): Promise<void> {
  const values = parseCommandArgs(args, {
    dialog: { type: 'string' },
    message: { type: 'string' },
    method: { type: 'string' },
    'bot-id': { type: 'string' },
    token: { type: 'string' },
  })
  const dialogId = values.dialog
  if (dialogId === undefined) throw usageError('--dialog <dialogId> is required')
  if (!isDialogId(dialogId)) throw usageError('--dialog must be chat<N> for a group chat or a user id for a 1:1 chat')
  if (values.message !== undefined && !/^[1-9]\d{0,15}$/.test(values.message)) {
    throw usageError('--message must be a positive integer message id')
  }
  const messageId = values.message === undefined ? undefined : Number(values.message)
  const methodName = values.method ?? ctx.env.B24_READ_METHOD?.trim() ?? METHODS[0]
  const method = METHODS.find((m) => m === methodName)
  if (method === undefined) throw usageError(`--method must be one of ${METHODS.join(', ')} (got "${methodName}")`)

  let result: unknown
  if (method === 'im.dialog.read') {
    result = await ctx.call(
      'im.dialog.read',
      { DIALOG_ID: dialogId, ...(messageId ? { MESSAGE_ID: messageId } : {}) },
      {
        idempotent: true,
      },
    )
    // im.dialog.read answers false instead of an error when the webhook's user has no access to the dialog.
    if (result === false) throw portalError({ code: 'ACCESS_DENIED', status: 200, message: '' })
  } else {
    const { botId, botToken } = botIdentity(values, ctx.env)
    ctx.scrubber.add(botToken)
    result = await ctx.call(
      method,
      { botId, botToken, dialogId, ...(messageId ? { messageId } : {}) },
      { idempotent: true },
    )
  }
  const r = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {}
  const upTo = typeof r.lastId === 'number' ? `up to message ${r.lastId}` : 'completely'
  const left = typeof r.counter === 'number' ? `; ${r.counter} unread left` : ''
  ctx.done('read', { method, dialogId, result: r }, [`Dialog ${dialogId} read ${upTo} (${method})${left}.`])
}
