/**
 * The scheduler's side of read pacing: it remembers when dialogs became ready (the arrival rate, the last arrival,
 * when the oldest ready dialog started waiting), asks the pure rule in `read-pacing.ts` whether the ready reads go
 * out now, and keeps the one timer that looks again when the rule says.
 */
import { ArrivalRate, paceReads } from './read-pacing.js'

/** What the pace needs to know of the portal's bucket and the queue at the moment it is asked. */
export interface PaceLook {
  readonly now: number
  readonly ready: number
  readonly level: number
  readonly burst: number
  readonly perSec: number
  readonly batchLimit: number
}

/** Arrival bookkeeping and the pace timer of one portal's read scheduler. */
export class ReadPaceTimer {
  readonly #arrivals = new ArrivalRate()
  readonly #wake: () => void
  /** When the oldest ready dialog started waiting, and when the last one became ready. */
  #waitingSince = 0
  #lastReadyAt = 0
  #timer: NodeJS.Timeout | undefined
  #timerAt = 0

  /** `wake` is called when the timer fires (the scheduler pumps again). */
  constructor(wake: () => void) {
    this.#wake = wake
  }

  /** A dialog became ready at `now`; `firstInQueue` when the queue was empty before it. */
  ready(now: number, firstInQueue: boolean): void {
    if (firstInQueue) this.#waitingSince = now
    this.#arrivals.add(now)
    this.#lastReadyAt = now
  }

  /** What is left behind a full batch was backlog: its hold starts now. */
  backlogFrom(now: number): void {
    this.#waitingSince = now
  }

  /** Whether the ready reads go out now; if not, arms the timer to look again when the pacing rule says. */
  allows(look: PaceLook): boolean {
    const { now } = look
    const decision = paceReads({
      ...look,
      recentReady: this.#arrivals.perSecond(now),
      lastReadyAt: this.#lastReadyAt,
      waitingSince: this.#waitingSince,
    })
    if (decision.send) return true
    // One timer, moved earlier when a later look needs it sooner (a stale later one would hold reads too long).
    const at = now + decision.waitMs
    if (this.#timer !== undefined && this.#timerAt <= at) return false
    clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#wake()
    }, decision.waitMs)
    this.#timer.unref()
    return false
  }

  /** Stops the timer. */
  close(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
