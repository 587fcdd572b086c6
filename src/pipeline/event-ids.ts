/** The ids of an event that its log lines carry. */
import type { BotEvent } from '../events/types.js'

/** The ids of an event for log lines. */
export function eventIds(event: BotEvent): Record<string, string | number> {
  const ids: Record<string, string | number> = { event: event.type, botId: event.bot.id }
  if (event.eventId !== undefined) ids.eventId = event.eventId
  if (event.type !== 'ONIMBOTV2DELETE') ids.dialogId = event.chat.dialogId
  if ('message' in event) ids.messageId = event.message.id
  else if (event.type === 'ONIMBOTV2MESSAGEDELETE') ids.messageId = event.messageId
  return ids
}
