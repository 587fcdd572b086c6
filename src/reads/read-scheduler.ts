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
import type { Logger } from 'pino'
import type { BitrixPort, RestError, RestOutcome } from '../bitrix/port.js'
import { waitAtMost } from '../util/wait-at-most.js'
import { backoffDelay } from './backoff.js'
import { BatchPath, type BatchPathChange, looksLikeBatchRefusal } from './batch-path.js'
import { classifyError, type ErrorClass, isPortalWide } from './classify.js'
import { DelayedKeys } from './delayed-keys.js'
import { type Dialog, DialogTable, keyOf } from './dialog-table.js'
import { confirmRead, failRead, type Next, openWatermark, requestRead, startRead } from './dialog-watermark.js'
import type { PortalGate, SlotReport } from './portal-gate.js'
import { PortalPause } from './portal-pause.js'
import { BATCH_LIMIT, sendReads } from './read-batch.js'
import type { ReadObserver, ReadRequest } from './read-contract.js'
import type { ReadMethod, ReadTarget } from './read-method.js'
import { ArrivalRate, paceReads } from './read-pacing.js'
import { ReadReporter, type SettledRead } from './read-reporter.js'
import { DEFAULT_READ_RETRY, type ReadRetryOptions } from './read-retry.js'
import { ReadyQueue } from './ready-queue.js'
import { slotReport } from './slot-report.js'

export { keyOf } from './dialog-table.js'
export { BATCH_LIMIT } from './read-batch.js'
export type { ReadObserver, ReadRequest } from './read-contract.js'
export { DEFAULT_READ_RETRY, type ReadRetryOptions } from './read-retry.js'

/** Scheduler dependencies and settings. */
export interface ReadSchedulerOptions {
  readonly port: BitrixPort
  readonly gate: PortalGate
  readonly readMethod: ReadMethod
  readonly log: Logger
  readonly maxPendingDialogs: number
  /** Confirmed watermarks remembered after a dialog goes idle, so a late lower id is never sent. */
  readonly rememberConfirmed?: number
  readonly observers?: readonly ReadObserver[]
  /** Looks up a confirmed watermark this process does not remember (the state store's, after a restart). */
  readonly confirmedOf?: (botId: number, dialogId: string) => number
  readonly retry?: Partial<ReadRetryOptions>
  /** Whether the portal was found to refuse `imbot.v2` in `batch` before the last restart (the state store's). */
  readonly batchRefused?: boolean
  readonly now?: () => number
  readonly random?: () => number
}

/** One dialog's part of a request being sent. */
interface Sent {
  readonly key: string
  readonly dialog: Dialog
  readonly target: ReadTarget
  readonly messages: number
  readonly wholeDialog: boolean
}

/** The read scheduler of one portal. */
export class ReadScheduler {
  readonly #port: BitrixPort
  readonly #gate: PortalGate
  readonly #readMethod: ReadMethod
  readonly #report: ReadReporter
  readonly #maxPending: number
  readonly #now: () => number
  readonly #random: () => number
  readonly #retry: ReadRetryOptions
  readonly #dialogs: DialogTable
  readonly #queue = new ReadyQueue()
  readonly #later: DelayedKeys
  readonly #parked = new Set<string>()
  readonly #batch: BatchPath
  readonly #idle: Array<() => void> = []
  readonly #pause: PortalPause
  /** Read requests on their way to the portal. */
  #sending = 0
  #pumping = false
  /** When the oldest ready dialog started waiting, and the timer that looks at the pace again. */
  #waitingSince = 0
  #lastReadyAt = 0
  readonly #arrivals = new ArrivalRate()
  #paceTimer: NodeJS.Timeout | undefined
  #paceTimerAt = 0

  constructor(options: ReadSchedulerOptions) {
    this.#port = options.port
    this.#gate = options.gate
    this.#readMethod = options.readMethod
    this.#maxPending = options.maxPendingDialogs
    this.#dialogs = new DialogTable(options.rememberConfirmed ?? options.maxPendingDialogs, options.confirmedOf)
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#retry = { ...DEFAULT_READ_RETRY, ...options.retry }
    this.#report = new ReadReporter(options.log, options.observers ?? [], this.#now)
    this.#later = new DelayedKeys((keys) => this.#queueAgain(keys), this.#now)
    this.#batch = new BatchPath(this.#retry.batchRetryMs, this.#now, options.batchRefused ?? false)
    this.#pause = new PortalPause(this.#retry.probeIntervalMs, () => void this.#pump())
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

  /** Whether a read for this dialog can be taken now (false only for a new dialog at the bound). */
  canAccept(botId: number, dialogId: string): boolean {
    return this.#dialogs.size < this.#maxPending || this.#dialogs.has(keyOf(botId, dialogId))
  }

  /** Whether this process tracks the dialog (a read pending, in flight, backing off or parked). */
  tracks(botId: number, dialogId: string): boolean {
    return this.#dialogs.has(keyOf(botId, dialogId))
  }

  /** The highest id confirmed for a dialog that is known to this process (0 when none). */
  confirmedId(botId: number, dialogId: string): number {
    return this.#dialogs.confirmed(keyOf(botId, dialogId), botId, dialogId)
  }

  /** Raises the dialog's watermark to `messageId` and schedules a read; false when refused at the bound. */
  request(req: ReadRequest): boolean {
    const { botId, dialogId, messageId } = req
    const key = keyOf(botId, dialogId)
    const known = this.#dialogs.get(key)
    const mark = known?.mark ?? openWatermark(this.#dialogs.confirmed(key, botId, dialogId))
    const step = requestRead(mark, messageId, req.receivedAt ?? this.#now())
    if (step.effect === 'stale') return true
    let dialog = known
    if (dialog === undefined) {
      if (this.#dialogs.size >= this.#maxPending) {
        this.#report.refused({ botId, dialogId, messageId }, this.#maxPending)
        return false
      }
      dialog = { botId, dialogId, mark, trace: undefined, sentTrace: undefined }
      this.#dialogs.add(key, dialog)
    }
    dialog.mark = step.state
    if (step.effect === 'raised') dialog.trace = req.trace
    // A parked dialog's next message retries it at once; one backing off keeps waiting out its delay.
    this.#parked.delete(key)
    if (!this.#later.has(key)) this.#carryOut(key, step.next)
    void this.#pump()
    return true
  }

  /** Queues every parked read again (a periodic sweep calls this); returns how many. */
  retryParked(): number {
    const keys = [...this.#parked]
    this.#parked.clear()
    for (const key of keys) this.#queue.add(key)
    if (keys.length > 0) void this.#pump()
    return keys.length
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
    clearTimeout(this.#paceTimer)
    this.#paceTimer = undefined
  }

  #isIdle(): boolean {
    return this.#sending === 0 && (this.#pause.error !== undefined || this.#dialogs.size === this.#parked.size)
  }

  /** Carries out a watermark decision: queue the dialog, wait, park it, or forget it and remember its watermark. */
  #carryOut(key: string, next: Next, attempts = 0): void {
    if (next === 'queue' || next === 'front') {
      const now = this.#now()
      if (this.#queue.size === 0) this.#waitingSince = now
      this.#arrivals.add(now)
      this.#lastReadyAt = now
      this.#queue.add(key, next === 'front')
    } else if (next === 'later') this.#later.add(key, backoffDelay(this.#retry, attempts - 1, this.#random))
    else if (next === 'park') this.#parked.add(key)
    else if (next === 'done') this.#dialogs.retire(key)
  }

  #queueAgain(keys: readonly string[]): void {
    for (const key of keys) if (this.#dialogs.has(key)) this.#queue.add(key, true)
    void this.#pump()
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (this.#queue.size > 0 && this.#pause.canSend) {
        if (!this.#paced()) return
        const slot = await this.#gate.acquire(this.#readMethod.method, 'read')
        if (!this.#pause.canSend) {
          slot.done({ unused: true })
          continue
        }
        // While paused, one read at a time probes whether the configuration was fixed.
        const probe = this.#pause.takeProbe()
        const keys = this.#queue.take(this.#batch.allowed && !probe ? BATCH_LIMIT : 1)
        if (keys.length === 0) {
          slot.done({ unused: true })
          continue
        }
        // What is left was backlog behind a full batch: its hold starts now.
        if (this.#queue.size > 0) this.#waitingSince = this.#now()
        // The slot is given back whatever happens in the send; nothing there may reject unobserved.
        this.#sending++
        void this.#sendSafely(keys).then((report) => {
          this.#sending--
          slot.done(report)
          if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve()
          // Settling may have re-queued dialogs (newer ids, retries): keep the loop going.
          void this.#pump()
        })
      }
    } finally {
      this.#pumping = false
    }
  }

  async #sendSafely(keys: readonly string[]): Promise<SlotReport> {
    try {
      return await this.#send(keys)
    } catch (err) {
      this.#report.sendFailed(err)
      return {}
    } finally {
      // A probe that failed some other way must not leave the paused portal without its next probe.
      this.#pause.arm()
    }
  }

  /** Whether the ready reads go out now; if not, looks again when the pacing rule says. */
  #paced(): boolean {
    const now = this.#now()
    const decision = paceReads({
      now,
      ready: this.#queue.size,
      recentReady: this.#arrivals.perSecond(now),
      lastReadyAt: this.#lastReadyAt,
      waitingSince: this.#waitingSince,
      level: this.#gate.level(),
      burst: this.#gate.burst,
      perSec: this.#gate.perSec,
      batchLimit: this.#batch.allowed ? BATCH_LIMIT : 1,
    })
    if (decision.send) return true
    // One timer, moved earlier when a later look needs it sooner (a stale later one would hold reads too long).
    const at = now + decision.waitMs
    if (this.#paceTimer !== undefined && this.#paceTimerAt <= at) return false
    clearTimeout(this.#paceTimer)
    this.#paceTimerAt = at
    this.#paceTimer = setTimeout(() => {
      this.#paceTimer = undefined
      void this.#pump()
    }, decision.waitMs)
    this.#paceTimer.unref()
    return false
  }

  /** Sends one request for the dialogs and settles each; resolves with what the gate should learn. */
  async #send(keys: readonly string[]): Promise<SlotReport> {
    const started = this.#now()
    const sent: Sent[] = []
    for (const key of keys) {
      const dialog = this.#dialogs.get(key)
      if (dialog === undefined) continue
      const step = startRead(dialog.mark)
      dialog.mark = step.state
      dialog.sentTrace = dialog.trace
      const target = { botId: dialog.botId, dialogId: dialog.dialogId, messageId: step.messageId }
      sent.push({ key, dialog, target, messages: step.messages, wholeDialog: step.wholeDialog })
    }
    if (sent.length === 0) return { unused: true }
    const { outcomes, whole } = await sendReads(this.#port, this.#readMethod, sent)
    const durationMs = this.#now() - started
    const batch = sent.length > 1
    const refusedInBatch = batch && looksLikeBatchRefusal(outcomes)
    if (batch) this.#batchChanged(this.#batch.batchAnswered(refusedInBatch), outcomes[0]?.[1])
    const kinds = new Set<ErrorClass>()
    let code: string | undefined
    for (const [s, outcome] of outcomes) {
      if (!outcome.ok) code ??= outcome.error.code
      const kind = refusedInBatch
        ? this.#resendAlone(s)
        : this.#settle(s, outcome, { durationMs, batch, wholeFailed: whole !== undefined || !batch })
      if (kind !== undefined) kinds.add(kind)
    }
    const messages = sent.reduce((n, s) => n + s.messages, 0)
    this.#report.call({ batch, dialogs: sent.length, messages, ok: code === undefined, code, durationMs }, whole)
    const method = this.#readMethod.method
    const times = outcomes.flatMap(([, o]) => (o.time ? [{ method, time: o.time }] : []))
    return slotReport(method, kinds, times)
  }

  /** A batch refused the method for every command: each read goes again alone, first, with nothing counted. */
  #resendAlone(s: Sent): undefined {
    s.dialog.sentTrace = undefined
    s.dialog.mark = failRead(s.dialog.mark, 'batch-refused', this.#now(), this.#retry).state
    this.#queue.add(s.key, true)
    return undefined
  }

  /** Applies one dialog's answer; returns the error class the gate should learn from, if any. */
  #settle(s: Sent, outcome: RestOutcome, how: { durationMs: number; batch: boolean; wholeFailed: boolean }) {
    const read: SettledRead = {
      target: s.target,
      trace: s.dialog.sentTrace,
      durationMs: how.durationMs,
      batch: how.batch,
    }
    s.dialog.sentTrace = undefined
    if (!how.batch) this.#batchChanged(this.#batch.singleAnswered(outcome), outcome)
    if (outcome.ok) {
      const step = confirmRead(s.dialog.mark, this.#now())
      s.dialog.mark = step.state
      if (this.#pause.error !== undefined) this.#report.resumed(this.#pause.resume())
      this.#report.confirmed(read, { lagMs: step.lagMs, messages: step.messages }, outcome.result)
      this.#carryOut(s.key, step.next)
      return undefined
    }
    const { error } = outcome
    const kind = classifyError(error)
    const step = failRead(s.dialog.mark, kind, this.#now(), this.#retry)
    s.dialog.mark = step.state
    if (step.action === 'pause' && this.#pause.pause(error)) this.#report.paused(error, this.#retry.probeIntervalMs)
    this.#report.failed(read, step.action, kind, error, step.state.attempts)
    this.#carryOut(s.key, step.next, step.state.attempts)
    // Only portal-wide signals slow the portal: a request that failed as a whole (an outage) on a dialog's first
    // failure; a dialog failing again, or alone inside a batch, waits out its own backoff.
    if (isPortalWide(kind)) return kind
    return kind === 'transient' && how.wholeFailed && step.state.attempts === 1 ? kind : undefined
  }

  #batchChanged(change: BatchPathChange, outcome: RestOutcome | undefined): void {
    if (change === undefined) return
    const code = outcome && !outcome.ok ? outcome.error.code : undefined
    this.#report.batchPath(change, code)
  }
}
