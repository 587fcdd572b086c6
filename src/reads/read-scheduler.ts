/**
 * Coalesces reads per (bot, dialog) into watermarks and sends them through the portal gate. `imbot.v2.Chat.Message.read`
 * marks everything up to and including `messageId`, so a dialog needs one call for any number of messages:
 * at most one call is in flight per dialog, newer ids raise the watermark, and one follow-up carries the highest.
 * When the portal is busy, reads wait (briefly, see `read-pacing.ts`) to fill a `batch` of up to 50 dialogs (halt=0),
 * so the rate budget is spent on full batches; while it is idle a read goes at once. A lower id than
 * one already confirmed is never sent. Ready dialogs are served oldest first. The per-dialog rules live in
 * `dialog-watermark.ts`; this file carries out their decisions: queueing, sending, logging and reporting.
 */
import type { Logger } from 'pino'
import type { BitrixPort, RestError, RestOutcome } from '../bitrix/port.js'
import { classifyError, type ErrorClass } from './classify.js'
import { type Dialog, DialogTable, keyOf } from './dialog-table.js'
import { confirmRead, failRead, type Next, openWatermark, requestRead, startRead } from './dialog-watermark.js'
import type { PortalGate, SlotReport } from './portal-gate.js'
import { BATCH_LIMIT, readSlotReport, sendReads } from './read-batch.js'
import type { ReadObserver, ReadRequest } from './read-contract.js'
import type { ReadMethod, ReadTarget } from './read-method.js'
import { ArrivalRate, paceReads } from './read-pacing.js'
import { ReadReporter, type SettledRead } from './read-reporter.js'
import { ReadyQueue } from './ready-queue.js'

export { keyOf } from './dialog-table.js'
export { BATCH_LIMIT } from './read-batch.js'
export type { ReadObserver, ReadRequest } from './read-contract.js'

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
  readonly now?: () => number
}

/** One dialog's part of a request being sent. */
interface Sent {
  readonly key: string
  readonly dialog: Dialog
  readonly target: ReadTarget
  readonly messages: number
}

/** The read scheduler of one portal. */
export class ReadScheduler {
  readonly #port: BitrixPort
  readonly #gate: PortalGate
  readonly #readMethod: ReadMethod
  readonly #report: ReadReporter
  readonly #maxPending: number
  readonly #now: () => number
  readonly #dialogs: DialogTable
  readonly #queue = new ReadyQueue()
  readonly #idle: Array<() => void> = []
  #batchAllowed = true
  #pumping = false
  /** When the oldest ready dialog started waiting, and the timer that looks at the pace again. */
  #waitingSince = 0
  #lastReadyAt = 0
  readonly #arrivals = new ArrivalRate()
  #paceTimer: NodeJS.Timeout | undefined
  #paceTimerAt = 0
  #portalError: RestError | undefined

  constructor(options: ReadSchedulerOptions) {
    this.#port = options.port
    this.#gate = options.gate
    this.#readMethod = options.readMethod
    this.#maxPending = options.maxPendingDialogs
    this.#dialogs = new DialogTable(options.rememberConfirmed ?? options.maxPendingDialogs, options.confirmedOf)
    this.#now = options.now ?? Date.now
    this.#report = new ReadReporter(options.log, options.observers ?? [], this.#now)
  }

  /** Dialogs with a read pending or in flight. */
  get pendingDialogs(): number {
    return this.#dialogs.size
  }

  /** Whether `batch` is still used (false after the portal refused imbot methods in batch). */
  get batchAllowed(): boolean {
    return this.#batchAllowed
  }

  /** The last error that made every read fail (auth, bot ownership), until a read succeeds again. */
  get portalError(): RestError | undefined {
    return this.#portalError
  }

  /** Whether a read for this dialog can be taken now (false only for a new dialog at the bound). */
  canAccept(botId: number, dialogId: string): boolean {
    return this.#dialogs.size < this.#maxPending || this.#dialogs.has(keyOf(botId, dialogId))
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
    this.#carryOut(key, step.next)
    void this.#pump()
    return true
  }

  /** Resolves when no read is pending or in flight. */
  idle(): Promise<void> {
    if (this.#dialogs.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Waits until every pending read is confirmed or dropped, or `timeoutMs` passes; returns how many dialogs remain. */
  async flush(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
    clearTimeout(timer)
    return this.#dialogs.size
  }

  /** Carries out a watermark decision: queue the dialog, or forget it and remember its watermark. */
  #carryOut(key: string, next: Next): void {
    if (next === 'queue' || next === 'front') {
      const now = this.#now()
      if (this.#queue.size === 0) this.#waitingSince = now
      this.#arrivals.add(now)
      this.#lastReadyAt = now
      this.#queue.add(key, next === 'front')
    } else if (next === 'done') this.#dialogs.retire(key)
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (this.#queue.size > 0) {
        if (!this.#paced()) return
        const slot = await this.#gate.acquire(this.#readMethod.method, 'read')
        const keys = this.#queue.take(this.#batchAllowed ? BATCH_LIMIT : 1)
        if (keys.length === 0) {
          slot.done({ unused: true })
          continue
        }
        // What is left was backlog behind a full batch: its hold starts now.
        if (this.#queue.size > 0) this.#waitingSince = this.#now()
        void this.#send(keys).then((report) => {
          slot.done(report)
          // Settling may have re-queued dialogs (newer ids, retries): keep the loop going.
          void this.#pump()
        })
      }
    } finally {
      this.#pumping = false
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
      batchLimit: this.#batchAllowed ? BATCH_LIMIT : 1,
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

  /** Sends one request for the dialogs and settles each; never throws. */
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
      sent.push({ key, dialog, target, messages: step.messages })
    }
    if (sent.length === 0) return { unused: true }
    const { outcomes, whole } = await sendReads(this.#port, this.#readMethod, sent)
    const durationMs = this.#now() - started
    const batch = sent.length > 1
    const kinds = new Set<ErrorClass>()
    let code: string | undefined
    for (const [s, outcome] of outcomes) {
      if (!outcome.ok) code ??= outcome.error.code
      const kind = this.#settle(s, outcome, durationMs, batch)
      if (kind !== undefined) kinds.add(kind)
    }
    const messages = sent.reduce((n, s) => n + s.messages, 0)
    this.#report.call({ batch, dialogs: sent.length, messages, ok: code === undefined, code, durationMs }, whole)
    if (this.#dialogs.size === 0) for (const resolve of this.#idle.splice(0)) resolve()
    return readSlotReport(this.#readMethod.method, kinds, outcomes)
  }

  /** Applies one dialog's answer; returns the error class when the read failed (not when `batch` was refused). */
  #settle(s: Sent, outcome: RestOutcome, durationMs: number, batch: boolean): ErrorClass | undefined {
    const read: SettledRead = { target: s.target, trace: s.dialog.sentTrace, durationMs, batch }
    s.dialog.sentTrace = undefined
    if (outcome.ok) {
      const step = confirmRead(s.dialog.mark, this.#now())
      s.dialog.mark = step.state
      this.#portalError = undefined
      this.#report.confirmed(read, { lagMs: step.lagMs, messages: step.messages }, outcome.result)
      this.#carryOut(s.key, step.next)
      return undefined
    }
    const { error } = outcome
    const kind = classifyError(error)
    const step = failRead(s.dialog.mark, kind, this.#now())
    s.dialog.mark = step.state
    if (step.action === 'resend' && this.#batchAllowed) {
      this.#report.batchRefused(error.code)
      this.#batchAllowed = false
    }
    if (kind === 'terminal-portal' && step.action === 'drop') this.#portalError = error
    this.#report.failed(read, step.action, kind, error, step.state.attempts)
    this.#carryOut(s.key, step.next)
    return step.action === 'resend' ? undefined : kind
  }
}
