/**
 * `recordEvent` for a store that one process owns (LMDB, memory): the intake's in-memory dedupe already decided
 * the event is new, so recording is the pending watermark and the dedupe key written side by side.
 */
import type { DialogMark, EventRecord, StateStore } from './state-store.js'

/** Writes the owed read (unless confirmed already) and the dedupe key; resolves once both are durable. */
export async function recordLocally(
  store: Pick<StateStore, 'savePending' | 'addSeenKey' | 'confirmedId'>,
  eventKey: string | undefined,
  read: DialogMark | undefined,
): Promise<EventRecord> {
  const owed = read !== undefined && read.messageId > store.confirmedId(read.botId, read.dialogId, read.portal)
  await Promise.all([
    owed ? store.savePending(read) : undefined,
    eventKey === undefined ? undefined : store.addSeenKey(eventKey),
  ])
  return { isNew: true, readOwed: owed }
}
