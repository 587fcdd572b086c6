/** The ids of an event that its log lines carry. */
import { MESSAGE_ADD, type ScannedMessage } from '../events/scanned-message.js'
import type { BotEvent } from '../events/types.js'

/** The ids of an event for log lines (a scanned message has the same ids as its decoded event). */
export function eventIds(event: BotEvent | ScannedMessage): Record<string, string | number> {
  if (event.type === 'scanned') {
    return { event: MESSAGE_ADD, botId: event.botId, dialogId: event.dialogId, messageId: event.messageId }
  }
  const ids: Record<string, string | number> = { event: event.type, botId: event.bot.id }
  if (event.eventId !== undefined) ids.eventId = event.eventId
  if (event.type !== 'ONIMBOTV2DELETE') ids.dialogId = event.chat.dialogId
  if ('message' in event) ids.messageId = event.message.id
  else if (event.type === 'ONIMBOTV2MESSAGEDELETE') ids.messageId = event.messageId
  return ids
}
