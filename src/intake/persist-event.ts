/**
 * The `persist` hook of the intake: before an event is acknowledged, its dialog's pending read watermark and its
 * dedupe key are written to the state store, so a crash after the 200 loses neither.
 */
import type { BotEvent } from '../events/types.js'
import type { StateStore } from '../store/state-store.js'
import { dedupeKey } from './accept-event.js'

/**
 * Builds `persist(event)` for `createIntake`; resolves once the store has made the writes durable. `portalOf` names
 * the (admitted) portal an OAuth event's pending read is scoped by.
 */
export function persistEvent(
  store: StateStore,
  portalOf: (event: BotEvent) => string | undefined = () => undefined,
): (event: BotEvent) => Promise<void> {
  return async (event) => {
    const portal = portalOf(event)
    const writes: Promise<void>[] = []
    // A message at or below the dialog's confirmed watermark is read already: nothing to keep pending.
    if (
      event.type === 'ONIMBOTV2MESSAGEADD' &&
      event.message.id > store.confirmedId(event.bot.id, event.chat.dialogId, portal)
    ) {
      const mark = { botId: event.bot.id, dialogId: event.chat.dialogId, messageId: event.message.id }
      writes.push(store.savePending(portal === undefined ? mark : { ...mark, portal }))
    }
    const key = dedupeKey(event)
    if (key !== undefined) writes.push(store.addSeenKey(key))
    await Promise.all(writes)
  }
}
