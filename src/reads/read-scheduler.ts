/**
 * Coalesces reads per (bot, dialog) into watermarks and sends them through the portal gate. `imbot.v2.Chat.Message.read`
 * marks everything up to and including `messageId`, so a dialog needs one call for any number of messages:
 * at most one call is in flight per dialog, newer ids raise the watermark, and one follow-up carries the highest.
 * When the portal is busy, reads wait (briefly, see `read-pacing.ts`) to fill a `batch` of up to 50 dialogs (halt=0),
 * so the rate budget is spent on full batches; while it is idle a read goes at once. A lower id than
 * one already confirmed is never sent. Ready dialogs are served oldest first. The per-dialog rules live in
 * `dialog-watermark.ts`; this file carries out their decisions: queueing, sending, logging and reporting. No read
 * of a dialog that still exists is given up: a configuration error pauses the portal (one probe now and then), a
 * dialog's own failures back off and then park (retried by `retryParked` and by the dialog's next message).
 */
import type { RestError } from '../bitrix/port.js'
import { waitAtMost } from '../util/wait-at-most.js'
import { backoffDelay } from './backoff.js'
import { BatchPath } from './batch-path.js'
import { DelayedSlots } from './delayed-slots.js'
import { DialogTable } from './dialog-table.js'
import { type Next, openWatermark, requestRead } from './dialog-watermark.js'
import { ParkedSlots } from './parked-slots.js'
import type { PendingTally } from './pending-tally.js'
import type { PortalGate } from './portal-gate.js'
import { PortalPause } from './portal-pause.js'
import { BATCH_LIMIT } from './read-batch.js'
import type { ReadRequest } from './read-contract.js'
import type { ReadMethod } from './read-method.js'
import { ReadPaceTimer } from './read-pace-timer.js'
import { ReadReporter } from './read-reporter.js'
import { DEFAULT_READ_RETRY, type ReadRetryOptions } from './read-retry.js'
import type { ReadSchedulerOptions } from './read-scheduler-options.js'
import { type SettleContext, sendSafely } from './read-settle.js'
import { ReadyQueue } from './ready-queue.js'

export { BATCH_LIMIT } from './read-batch.js'
export type { ReadObserver, ReadRequest } from './read-contract.js'
export { DEFAULT_READ_RETRY, type ReadRetryOptions } from './read-retry.js'
export type { ReadSchedulerOptions } from './read-scheduler-options.js'

/** The read scheduler of one portal. */
export class ReadScheduler {
  readonly #gate: PortalGate
  readonly #readMethod: ReadMethod
  readonly #report: ReadReporter
  readonly #maxPending: number
  readonly #tally: PendingTally | undefined
  readonly #now: () => number
  readonly #random: () => number
  readonly #retry: ReadRetryOptions
  readonly #dialogs: DialogTable
  readonly #queue = new ReadyQueue()
  readonly #later: DelayedSlots
  /** Slots of the dialogs whose read is parked. */
  readonly #parked = new ParkedSlots()
  readonly #batch: BatchPath
  readonly #idle: Array<() => void> = []
  readonly #pause: PortalPause
  /** Read requests on their way to the portal. */
  #sending = 0
  #pumping = false
  /** Stopped for good (`discard`): nothing is sent or scheduled again; settling reads only finish. */
  #discarded = false
  /** The scheduler that took this one's reads over (`moveTo`); later requests go to it. */
  #successor: ReadScheduler | undefined
  readonly #pace = new ReadPaceTimer(() => void this.#pump())
  readonly #settle: SettleContext

  constructor(options: ReadSchedulerOptions) {
    this.#gate = options.gate
    this.#readMethod = options.readMethod
    this.#maxPending = options.maxPendingDialogs
    this.#tally = options.tally
    const remember = options.rememberConfirmed ?? options.maxPendingDialogs
    this.#dialogs = new DialogTable(remember, options.confirmedOf, options.tally)
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#retry = { ...DEFAULT_READ_RETRY, ...options.retry }
    this.#report = new ReadReporter(options.log, options.observers ?? [], this.#now)
    this.#later = new DelayedSlots((slots) => this.#queueAgain(slots), this.#now)
    this.#batch = new BatchPath(this.#retry.batchRetryMs, this.#now, options.batchRefused ?? false)
    this.#pause = new PortalPause(this.#retry.probeIntervalMs, () => void this.#pump())
    this.#settle = {
      port: options.port,
      readMethod: this.#readMethod,
      dialogs: this.#dialogs,
      batch: this.#batch,
      pause: this.#pause,
      report: this.#report,
      retry: this.#retry,
      now: this.#now,
      carryOut: (slot, next, attempts) => this.#carryOut(slot, next, attempts),
      queueFirst: (slot) => this.#queue.add(slot, true),
    }
  }

  /** Dialogs with a read pending, in flight, waiting out a backoff or parked. */
  get pendingDialogs(): number {
    return this.#dialogs.size
  }

  /** Dialogs whose read is parked (failing past the retry window; kept stored, retried later). */
  get parkedDialogs(): number {
    return this.#parked.size
  }

  /** Whether `batch` is used now (false after the portal refused imbot methods in batch, until the next try). */
  get batchAllowed(): boolean {
    return this.#batch.allowed
  }

  /** The configuration error that pauses the portal's reads, until a read succeeds again. */
  get portalError(): RestError | undefined {
    return this.#pause.error
  }

  /** Whether a read for this dialog can be taken now (false only for a new dialog at the portal's or the global bound). */
  canAccept(botId: number, dialogId: string): boolean {
    if (this.#successor) return this.#successor.canAccept(botId, dialogId)
    return this.#boundOfNew() === undefined || this.#dialogs.slotOf(botId, dialogId) >= 0
  }

  /** Whether this process tracks the dialog (a read pending, in flight, backing off or parked). */
  tracks(botId: number, dialogId: string): boolean {
    return this.#dialogs.slotOf(botId, dialogId) >= 0
  }

  /** The highest id confirmed for a dialog that is known to this process (0 when none). */
  confirmedId(botId: number, dialogId: string): number {
    return this.#dialogs.confirmed(botId, dialogId)
  }

  /** Raises the dialog's watermark to `messageId` and schedules a read; false when refused at the bound. */
  request(req: ReadRequest): boolean {
    // A handler still holding the replaced portal's entry reads through the one that took its reads over.
    if (this.#successor) return this.#successor.request(req)
    if (this.#discarded) return true
    const { botId, dialogId, messageId } = req
    const dialogs = this.#dialogs
    let slot = dialogs.slotOf(botId, dialogId)
    const mark = slot >= 0 ? dialogs.mark(slot) : openWatermark(dialogs.confirmed(botId, dialogId))
    const step = requestRead(mark, messageId, req.receivedAt ?? this.#now())
    if (step.effect === 'stale') return true
    if (slot < 0) {
      const bound = this.#boundOfNew()
      if (bound !== undefined) {
        this.#report.refused({ botId, dialogId, messageId }, bound)
        return false
      }
      slot = dialogs.add(botId, dialogId, step.state)
    } else dialogs.setMark(slot, step.state)
    if (step.effect === 'raised') dialogs.setTrace(slot, req.trace)
    // A parked dialog's next message retries it at once; one backing off keeps waiting out its delay.
    this.#parked.delete(slot)
    if (!this.#later.has(slot)) this.#carryOut(slot, step.next)
    void this.#pump()
    return true
  }

  /** Queues every parked read again (a periodic sweep calls this); returns how many. */
  retryParked(): number {
    const slots = this.#parked.takeAll()
    for (const slot of slots) this.#queue.add(slot)
    if (slots.length > 0) void this.#pump()
    return slots.length
  }

  /**
   * Resolves when no read is pending, in flight or backing off; parked reads do not count, nor the pending reads of
   * a portal paused by a configuration error (they wait for an operator, kept in the store).
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Waits until every pending read is settled or parked, or `timeoutMs` passes; returns how many dialogs remain. */
  async flush(timeoutMs: number): Promise<number> {
    await waitAtMost(this.idle(), timeoutMs)
    return this.#dialogs.size
  }

  /** Stops the scheduler's timers (backoffs, the probe, the pace); what is pending stays pending. */
  close(): void {
    this.#later.close()
    this.#pause.close()
    this.#pace.close()
  }

  /**
   * Stops for good (the app was uninstalled from the portal, whose state is removed): the timers stop, and the
   * dialogs still pending no longer count against the global bound, since they will never be read, and a read
   * still in flight tells its observers nothing (its confirmation must not write the portal's state back).
   */
  discard(): void {
    this.#discarded = true
    this.close()
    this.#dialogs.detachTally()
    this.#report.mute()
    if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve()
  }

  /**
   * Hands every pending, backing-off, parked or paused read to `successor` (the same portal, reconnected at another
   * endpoint) and stops for good; later requests go to `successor` too. A read in flight here settles without being
   * sent again from here: the moved watermark covers it, and the successor never sends below what it knows
   * confirmed. Returns the reads `successor` refused at its bound (none while it has room for this one's dialogs).
   */
  moveTo(successor: ReadScheduler): ReadRequest[] {
    const reads = this.#dialogs.pendingReads()
    this.discard()
    this.#successor = successor
    return reads.filter((read) => !successor.request(read))
  }

  /** The bound a new dialog would pass (the portal's, else the global one); undefined when it may be taken. */
  #boundOfNew(): number | undefined {
    if (this.#dialogs.size >= this.#maxPending) return this.#maxPending
    return this.#tally?.full === true ? this.#tally.limit : undefined
  }

  #isIdle(): boolean {
    return (
      this.#sending === 0 &&
      (this.#discarded || this.#pause.error !== undefined || this.#dialogs.size === this.#parked.size)
    )
  }

  /** Carries out a watermark decision: queue the dialog, wait, park it, or forget it and remember its watermark. */
  #carryOut(slot: number, next: Next, attempts = 0): void {
    // Discarded: a settling read is only forgotten once done; nothing is queued or timed again.
    if (this.#discarded && next !== 'done') return
    if (next === 'queue' || next === 'front') {
      this.#pace.ready(this.#now(), this.#queue.size === 0)
      this.#queue.add(slot, next === 'front')
    } else if (next === 'later') this.#later.add(slot, backoffDelay(this.#retry, attempts - 1, this.#random))
    else if (next === 'park') this.#parked.add(slot)
    else if (next === 'done') this.#dialogs.retire(slot)
  }

  #queueAgain(slots: readonly number[]): void {
    if (this.#discarded) return
    for (const slot of slots) if (this.#dialogs.isActive(slot)) this.#queue.add(slot, true)
    void this.#pump()
  }

  async #pump(): Promise<void> {
    if (this.#pumping || this.#discarded) return
    this.#pumping = true
    try {
      while (this.#queue.size > 0 && this.#pause.canSend) {
        if (!this.#paced()) return
        const slot = await this.#gate.acquire(this.#readMethod.method, 'read')
        if (this.#discarded) {
          slot.done({ unused: true })
          return
        }
        if (!this.#pause.canSend) {
          slot.done({ unused: true })
          continue
        }
        // While paused, one read at a time probes whether the configuration was fixed.
        const probe = this.#pause.takeProbe()
        const slots = this.#queue.take(this.#batch.allowed && !probe ? BATCH_LIMIT : 1)
        if (slots.length === 0) {
          slot.done({ unused: true })
          continue
        }
        // What is left was backlog behind a full batch: its hold starts now.
        if (this.#queue.size > 0) this.#pace.backlogFrom(this.#now())
        // The slot is given back whatever happens in the send; nothing there may reject unobserved.
        this.#sending++
        void sendSafely(this.#settle, slots).then((report) => {
          this.#sending--
          slot.done(report)
          // Settling may have armed a timer (a probe) on a scheduler that is stopped for good.
          if (this.#discarded) this.close()
          if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve()
          // Settling may have re-queued dialogs (newer ids, retries): keep the loop going.
          void this.#pump()
        })
      }
    } finally {
      this.#pumping = false
    }
  }

  /** Whether the ready reads go out now; if not, the pace looks again when the pacing rule says. */
  #paced(): boolean {
    return this.#pace.allows({
      now: this.#now(),
      ready: this.#queue.size,
      level: this.#gate.level(),
      burst: this.#gate.burst,
      perSec: this.#gate.perSec,
      batchLimit: this.#batch.allowed ? BATCH_LIMIT : 1,
    })
  }
}
