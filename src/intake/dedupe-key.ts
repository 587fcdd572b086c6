/**
 * The dedupe key of each event type (issue 10 item 2). Real portals deliver the same event twice, microseconds apart,
 * with the same body: the key is made of what stays the same in a redelivery and differs between two real events
 * (a user joining again after leaving, a command used again later, a message edited to a new text). Keys are stored
 * with the pending read, so they survive restarts; their format is part of the stored state (keep `m:` as it is).
 */
import { hash } from 'node:crypto'
import type { ScannedMessage } from '../events/scanned-message.js'
import type { BotEvent } from '../events/types.js'

/** A short digest of free text in a key (texts are long and may hold the separator). */
function digest(text: string): string {
  return hash('sha1', text, 'base64url').slice(0, 12)
}

/**
 * The key of `event`: fetch-mode events by their queue id; webhook events by portal and bot, then per type:
 * a new message or a deleted one by message id; an edit by message id, time and text; a join or a context request by
 * dialog, user and time; a command by command, message and time; a reaction by message, user, reaction, action and
 * time; a bot deletion by the bot alone. Times are the portal's `ts` (seconds): two real events of the same kind
 * within one second are taken for one.
 */
export function dedupeKey(event: BotEvent | ScannedMessage): string {
  // A new message answered from its scanned ids: the same key as its decoded event's (webhook events have no eventId).
  if (event.type === 'scanned') {
    return event.memberId === undefined
      ? `m:${event.botId}:${event.messageId}`
      : `m:${event.memberId}:${event.botId}:${event.messageId}`
  }
  if (event.eventId !== undefined) return `e:${event.eventId}`
  // An OAuth app serves many portals, whose bot and message ids can coincide: the portal is part of the key.
  const portal = event.bot.auth?.memberId ?? event.portal.memberId
  const where = portal === undefined ? `${event.bot.id}` : `${portal}:${event.bot.id}`
  const ts = event.ts ?? ''
  switch (event.type) {
    case 'ONIMBOTV2MESSAGEADD':
      return `m:${where}:${event.message.id}`
    case 'ONIMBOTV2MESSAGEUPDATE':
      return `u:${where}:${event.message.id}:${ts}:${digest(event.message.text)}`
    case 'ONIMBOTV2MESSAGEDELETE':
      return `d:${where}:${event.messageId}`
    case 'ONIMBOTV2JOINCHAT':
      return `j:${where}:${event.chat.dialogId}:${event.user?.id ?? 0}:${ts}`
    case 'ONIMBOTV2DELETE':
      return `x:${where}`
    case 'ONIMBOTV2COMMANDADD':
      return `c:${where}:${event.command.id}:${event.message.id}:${ts}:${digest(event.command.params)}`
    case 'ONIMBOTV2REACTIONCHANGE':
      return `r:${where}:${event.message.id}:${event.user.id}:${ts}:${digest(`${event.action}\n${event.reaction}`)}`
    case 'ONIMBOTV2CONTEXTGET':
      return `g:${where}:${event.chat.dialogId}:${event.user?.id ?? 0}:${ts}:${digest(event.context)}`
  }
}
