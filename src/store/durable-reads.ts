/**
 * Keeps the state store in step with the read scheduler: a pending watermark is cleared once the portal confirms
 * an id at or above it (or the dialog is gone for the bot), confirmed watermarks are kept so a restart never reads a
 * dialog backwards, and at start every stored pending read is handed back to the scheduler. Paused and parked reads
 * keep their pending watermark: the store is their record, and a periodic sweep hands back what nobody is sending.
 */
import type { Logger } from 'pino'
import type { ReadObserver, ReadScheduler } from '../reads/read-scheduler.js'
import type { DialogMark, StateStore } from './state-store.js'

/** What a replay hands reads to: a scheduler (which may say it tracks a dialog already). */
type Replayer = Pick<ReadScheduler, 'request'> & Partial<Pick<ReadScheduler, 'tracks'>>

/** The store's named value that remembers when the portal was found to refuse `imbot.v2` in `batch` (0: it does not). */
export const BATCH_REFUSED_KEY = 'imbot-batch-refused'

/** Whether the store remembers that the portal refuses `imbot.v2` in `batch`. */
export function batchRefusedIn(store: Pick<StateStore, 'offset'>): boolean {
  return (store.offset(BATCH_REFUSED_KEY) ?? 0) > 0
}

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
    onBatchPath(refused) {
      track(store.saveOffset(BATCH_REFUSED_KEY, refused ? Date.now() : 0))
    },
  }
}

/**
/**
 * Hands every stored pending read the scheduler does not track to its portal's scheduler (at start: all of them;
 * `readsOf` answers undefined for a portal that can no longer be reached: its marks stay stored); returns how many
 * dialogs were replayed.
 */
export function replayPending(
  store: StateStore,
  readsOf: Replayer | ((mark: DialogMark) => Replayer | undefined),
  log: Logger,
): number {
  let replayed = 0
  let refused = 0
  let done = 0
  let unreachable = 0
  for (const mark of store.pendingReads()) {
    const reads = typeof readsOf === 'function' ? readsOf(mark) : readsOf
    if (reads?.tracks?.(mark.botId, mark.dialogId)) continue
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

/**
 * Every `intervalMs`, hands back to the scheduler what nobody is sending: stored reads it does not track (refused at
 * the pending bound after the 200, so no read waits for a restart) and its parked reads. Returns the stop function.
 */
export function startPendingSweep(
  store: StateStore,
  reads: Pick<ReadScheduler, 'request' | 'tracks' | 'retryParked'>,
  log: Logger,
  intervalMs: number,
): () => void {
  const timer = setInterval(() => {
    if (!store.isOpen()) return
    const parked = reads.retryParked()
    if (parked > 0) log.info({ parked }, 'parked reads retried')
    replayPending(store, reads, log)
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
