/**
 * Keeps the state store in step with the read scheduler: a pending watermark is cleared once the portal confirms
 * an id at or above it (or refuses it for good), confirmed watermarks are kept so a restart never reads a dialog
 * backwards, and at start every stored pending read is handed back to the scheduler.
 */
import type { Logger } from 'pino'
import type { ReadObserver, ReadScheduler } from '../reads/read-scheduler.js'
import type { DialogMark, StateStore } from './state-store.js'

/**
 * A scheduler observer that clears pending reads in the store (of `portal`, an OAuth portal's `member_id`, when
 * given); write failures are logged, at most one a minute.
 */
export function durableReadsObserver(store: StateStore, log: Logger, portal?: string): ReadObserver {
  const scoped = <T extends DialogMark>(target: T): DialogMark =>
    portal === undefined ? target : { ...target, portal }
  let lastLogged = 0
  const track = (write: Promise<void>): void => {
    write.catch((err: unknown) => {
      const now = Date.now()
      if (now - lastLogged < 60_000) return
      lastLogged = now
      log.error({ err }, 'state store write failed: a confirmed read may be sent again after a restart')
    })
  }
  return {
    onConfirmed(target) {
      track(store.clearPending(scoped(target)))
      track(store.saveConfirmed(scoped(target)))
    },
    onDropped(target) {
      track(store.clearPending(scoped(target)))
    },
  }
}

/**
 * Hands every stored pending read to its portal's scheduler (`readsOf` answers undefined for a portal that can no
 * longer be reached: its marks stay stored); returns how many dialogs were replayed.
 */
export function replayPending(
  store: StateStore,
  readsOf: Pick<ReadScheduler, 'request'> | ((mark: DialogMark) => Pick<ReadScheduler, 'request'> | undefined),
  log: Logger,
): number {
  let replayed = 0
  let refused = 0
  let done = 0
  let unreachable = 0
  for (const mark of store.pendingReads()) {
    const reads = typeof readsOf === 'function' ? readsOf(mark) : readsOf
    if (mark.messageId <= store.confirmedId(mark.botId, mark.dialogId, mark.portal)) {
      // Confirmed before the last stop, but the clearing write did not make it.
      void store.clearPending(mark).catch(() => {})
      done++
    } else if (reads === undefined) unreachable++
    else if (reads.request(mark)) replayed++
    else refused++
  }
  if (replayed + refused + done + unreachable > 0) {
    log.info(
      { pendingDialogs: replayed, refused, alreadyRead: done, unreachable, store: store.kind },
      'pending reads replayed from the state store',
    )
  }
  return replayed
}
