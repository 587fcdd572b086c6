/**
 * The pending sweep of an OAuth app's portals: every `intervalMs`, the stored pending reads are grouped by portal,
 * and each portal that has one retries its parked reads and is handed back the stored reads its scheduler does not
 * track (refused at a pending bound after the 200, or left by an earlier life or another replica), so no read
 * waits for a restart. A portal not in memory is connected from its stored record. Each tick costs the stored
 * pending marks (as the webhook sweep does), never a walk over every installed portal.
 */
import type { Logger } from 'pino'
import type { ReadScheduler } from '../reads/read-scheduler.js'
import { replayPending } from './durable-reads.js'
import type { DialogMark, StateStore } from './state-store.js'

/** What the sweep asks of a portal's scheduler. */
type SweptReads = Pick<ReadScheduler, 'request' | 'tracks' | 'retryParked'>

/**
 * One sweep: a parked read keeps its stored mark, so the portals reached through the marks are all that may hold
 * one. `readsOf` answers a portal's scheduler (connecting it when needed), undefined when it cannot be reached
 * (its marks stay stored). Returns how many parked reads were retried and stored reads handed back.
 */
export function sweepPortalsPending(
  store: StateStore,
  readsOf: (portal: string) => SweptReads | undefined,
  log: Logger,
): { readonly parked: number; readonly replayed: number } {
  const reached = new Map<string, SweptReads | undefined>()
  let parked = 0
  const portalReads = (mark: DialogMark): SweptReads | undefined => {
    if (mark.portal === undefined) return undefined
    if (reached.has(mark.portal)) return reached.get(mark.portal)
    const reads = readsOf(mark.portal)
    reached.set(mark.portal, reads)
    // Before its marks are looked at: a retried parked read is tracked, so it is not handed over twice.
    if (reads !== undefined) parked += reads.retryParked()
    return reads
  }
  const replayed = replayPending(store, portalReads, log)
  if (parked > 0) log.info({ parked, portals: reached.size }, 'parked reads retried')
  return { parked, replayed }
}

/** Starts the sweep of `sweepPortalsPending` every `intervalMs` (skipped while the store is closed); returns the stop. */
export function startPortalsPendingSweep(
  store: StateStore,
  readsOf: (portal: string) => SweptReads | undefined,
  log: Logger,
  intervalMs: number,
): () => void {
  const timer = setInterval(() => {
    if (store.isOpen()) sweepPortalsPending(store, readsOf, log)
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
