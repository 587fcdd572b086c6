/**
 * The `persist` hook of the intake: before an event is acknowledged, its dialog's pending read watermark and its
 * dedupe key are written to the state store, so a crash after the 200 loses neither.
 */
import type { BotEvent } from '../events/types.js'
import type { StateStore } from '../store/state-store.js'
import { dedupeKey } from './dedupe-key.js'

/** Builds `persist(event, key)` for `createIntake` (`key`: the event's `dedupeKey`, given when already computed); resolves once the store has made the writes durable. */
export function persistEvent(store: StateStore): (event: BotEvent, key?: string) => Promise<void> {
  return async (event, key = dedupeKey(event)) => {
    const writes: Promise<void>[] = []
    // A message at or below the dialog's confirmed watermark is read already: nothing to keep pending.
    if (
      event.type === 'ONIMBOTV2MESSAGEADD' &&
      event.message.id > store.confirmedId(event.bot.id, event.chat.dialogId)
    ) {
      writes.push(
        store.savePending({ botId: event.bot.id, dialogId: event.chat.dialogId, messageId: event.message.id }),
      )
    }
    writes.push(store.addSeenKey(key))
    await Promise.all(writes)
  }
}
