/**
 * The `persist` hook of the intake: before an event is acknowledged, its dialog's pending read watermark and its
 * dedupe key are recorded in the state store (one call), so a crash after the 200 loses neither. A store shared by
 * replicas also answers whether another replica recorded the same event first.
 */
import type { ScannedMessage } from '../events/scanned-message.js'
import type { BotEvent } from '../events/types.js'
import type { StateStore } from '../store/state-store.js'
import { dedupeKey } from './dedupe-key.js'

/**
 * Builds `persist(event, key?)` for `createIntake` (`key`: the event's `dedupeKey`, given when already computed):
 * resolves once durable, to false when the store saw the event before. `portalOf` names the (admitted) portal an
 * OAuth event's pending read is scoped by.
 */
export function persistEvent(
  store: StateStore,
  portalOf: (event: BotEvent) => string | undefined = () => undefined,
): (event: BotEvent | ScannedMessage, key?: string) => Promise<boolean> {
  return async (event, key = dedupeKey(event)) => {
    const record = await store.recordEvent(key, readMark(event, portalOf))
    return record.isNew
  }
}

/** The pending read a new message leaves (a scanned one is never an OAuth portal's: those are decoded first). */
function readMark(event: BotEvent | ScannedMessage, portalOf: (event: BotEvent) => string | undefined) {
  if (event.type === 'scanned') return { botId: event.botId, dialogId: event.dialogId, messageId: event.messageId }
  if (event.type !== 'ONIMBOTV2MESSAGEADD') return undefined
  const mark = { botId: event.bot.id, dialogId: event.chat.dialogId, messageId: event.message.id }
  const portal = portalOf(event)
  return portal === undefined ? mark : { ...mark, portal }
}
