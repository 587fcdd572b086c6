/**
 * How a read is sent: `imbot.v2.Chat.Message.read` as the bot (default), or `im.dialog.read` as the webhook's
 * user for portals or v1 bots where the v2 method is not available.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-read.html
 */
import type { RestCall } from '../bitrix/port.js'

/** One dialog's read: everything up to and including `messageId`. */
export interface ReadTarget {
  readonly botId: number
  readonly dialogId: string
  readonly messageId: number
}

/** Builds the REST call for a read; `wholeDialog` leaves the id out, which reads every message of the dialog. */
export interface ReadMethod {
  readonly method: string
  build(target: ReadTarget, wholeDialog?: boolean): RestCall
}

/** `imbot.v2.Chat.Message.read {botId, botToken, dialogId, messageId}`; `botToken` is omitted for OAuth apps. */
export function imbotV2Read(botToken: string | undefined): ReadMethod {
  const method = 'imbot.v2.Chat.Message.read'
  return {
    method,
    build: (t, wholeDialog = false) => {
      const id = wholeDialog ? {} : { messageId: t.messageId }
      const token = botToken === undefined ? {} : { botToken }
      return { method, params: { botId: t.botId, ...token, dialogId: t.dialogId, ...id } }
    },
  }
}

/** `im.dialog.read {DIALOG_ID, MESSAGE_ID}`: acts as the calling user, not the bot. */
export function imDialogRead(): ReadMethod {
  const method = 'im.dialog.read'
  return {
    method,
    build: (t, wholeDialog = false) => ({
      method,
      params: wholeDialog ? { DIALOG_ID: t.dialogId } : { DIALOG_ID: t.dialogId, MESSAGE_ID: t.messageId },
    }),
  }
}
