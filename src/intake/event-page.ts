/**
 * Reads the answer of `imbot.v2.Event.get`: `{events[], nextOffset, hasMore}`, or the format before 25.03.2026
 * with `lastEventId` instead of `nextOffset` (then the next offset is `lastEventId + 1`).
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.html
 */
import { type Fields, objectAt, optBool, optInt, optString } from '../events/coerce.js'

/** One queued event: its id, type, date and `data` (fetch shape: real JSON types, the full bot object). */
export interface QueuedEvent {
  readonly eventId: number
  readonly type: string
  readonly date: string | undefined
  readonly data: Fields
}

/** One page of the bot's event queue. */
export interface EventPage {
  readonly events: readonly QueuedEvent[]
  /** The offset that confirms this page; 0 when the portal gave none (an empty queue answers `nextOffset: 0`). */
  readonly nextOffset: number
  readonly hasMore: boolean
}

/** Parses a page; a string describing the problem when the answer is not one. */
export function parseEventPage(result: unknown): EventPage | string {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return 'the result is not an object'
  const root = result as Fields
  const list = root.events
  if (list !== undefined && !Array.isArray(list) && (typeof list !== 'object' || list === null)) {
    return 'events is not a list'
  }
  const events: QueuedEvent[] = []
  // PHP may encode a list with gaps as an object: take its values in order.
  for (const item of Array.isArray(list) ? list : Object.values(list ?? {})) {
    const fields = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Fields) : undefined
    const eventId = optInt(fields, 'eventId')
    const type = optString(fields, 'type')
    const data = objectAt(fields, 'data')
    if (eventId === undefined || Number.isNaN(eventId) || eventId < 1 || type === undefined || data === undefined) {
      return 'an event lacks eventId, type or data'
    }
    events.push({ eventId, type, date: optString(fields, 'date'), data })
  }
  const next = optInt(root, 'nextOffset')
  const lastEventId = optInt(root, 'lastEventId')
  let nextOffset = 0
  if (next !== undefined && !Number.isNaN(next)) nextOffset = next
  else if (lastEventId !== undefined && !Number.isNaN(lastEventId) && lastEventId > 0) nextOffset = lastEventId + 1
  return { events, nextOffset, hasMore: optBool(root, 'hasMore') }
}
