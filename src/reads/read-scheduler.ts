/**
 * Coalesces reads per (bot, dialog) into watermarks and sends them through the portal gate. `imbot.v2.Chat.Message.read`
 * marks everything up to and including `messageId`, so a dialog needs one call for any number of messages:
 * at most one call is in flight per dialog, newer ids raise the watermark, and one follow-up carries the highest.
 * When reads pile up (slots busy or the bucket empty), up to 50 dialogs go in one `batch` (halt=0). A lower id than
 * one already confirmed is never sent. Ready dialogs are served oldest first.
 */
import type { Logger } from 'pino'
import type { BitrixPort, RestCall, RestError, RestOutcome, RestTime } from '../bitrix/port.js'
import { classifyError, type ErrorClass } from './classify.js'
import type { PortalGate, SlotReport } from './portal-gate.js'
import type { ReadMethod, ReadTarget } from './read-method.js'

/** Most commands Bitrix24 accepts in one `batch`. */
export const BATCH_LIMIT = 50

/** What the scheduler reports, for metrics, the state store and readiness. */
export interface ReadObserver {
  /** A read request (single or batch) finished. */
  onCall?(info: {
    readonly batch: boolean
    readonly dialogs: number
    readonly messages: number
    readonly ok: boolean
    readonly code: string | undefined
    readonly durationMs: number
  }): void
  /** The portal confirmed a dialog read up to `lastId`; `lagMs` is from the oldest covered message's receipt. */
  onConfirmed?(target: ReadTarget, info: { readonly lagMs: number; readonly messages: number }): void
  /** A read was dropped because of a terminal error. */
  onDropped?(target: ReadTarget, error: RestError, kind: ErrorClass): void
}

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

interface DialogState {
  readonly key: string
  readonly botId: number
  readonly dialogId: string
  pending: number
  confirmed: number
  inFlight: number
  pendingSince: number
  /** Receipt of the oldest message above the id in flight (0 when none): the lag start of the follow-up read. */
  nextSince: number
  pendingCount: number
  attempts: number
  queued: boolean
  /** Log ids (reqId, eventId) of the message that set `pending`, and of the one in flight. */
  trace: Trace | undefined
  inFlightTrace: Trace | undefined
}

/** Ids repeated on a read's log lines so one message can be followed from its request to its read. */
type Trace = Readonly<Record<string, string | number>>

/** A read request as the pipeline makes it. */
export interface ReadRequest extends ReadTarget {
  /** When the message was received (ms since epoch), for the lag measurement. */
  readonly receivedAt?: number
  /** Ids of the event (reqId, eventId) that the read's log lines repeat. */
  readonly trace?: Trace
}

/** The read scheduler of one portal. */
export class ReadScheduler {
  readonly #o: ReadSchedulerOptions
  readonly #now: () => number
  readonly #dialogs = new Map<string, DialogState>()
  readonly #confirmed = new Map<string, number>()
  readonly #ready = new Map<string, DialogState>()
  readonly #front: DialogState[] = []
  readonly #idle: Array<() => void> = []
  readonly #loggedCodes = new Map<string, number>()
  #batchAllowed = true
  #pumping = false
  #portalError: RestError | undefined

  constructor(options: ReadSchedulerOptions) {
    this.#o = options
    this.#now = options.now ?? Date.now
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
    return this.#dialogs.size < this.#o.maxPendingDialogs || this.#dialogs.has(keyOf(botId, dialogId))
  }

  /** The highest id confirmed for a dialog that is known to this process (0 when none). */
  confirmedId(botId: number, dialogId: string): number {
    const key = keyOf(botId, dialogId)
    return this.#dialogs.get(key)?.confirmed ?? this.#confirmed.get(key) ?? this.#o.confirmedOf?.(botId, dialogId) ?? 0
  }

  /** Raises the dialog's watermark to `messageId` and schedules a read; false when refused at the bound. */
  request(req: ReadRequest): boolean {
    const key = keyOf(req.botId, req.dialogId)
    let state = this.#dialogs.get(key)
    if (state === undefined) {
      const confirmed = this.#confirmed.get(key) ?? this.#o.confirmedOf?.(req.botId, req.dialogId) ?? 0
      if (req.messageId <= confirmed) return true
      if (this.#dialogs.size >= this.#o.maxPendingDialogs) {
        this.#o.log.warn(
          { botId: req.botId, dialogId: req.dialogId, messageId: req.messageId, limit: this.#o.maxPendingDialogs },
          'pending dialogs at the bound (MAX_PENDING_DIALOGS): read refused',
        )
        return false
      }
      state = {
        key,
        botId: req.botId,
        dialogId: req.dialogId,
        pending: 0,
        confirmed,
        inFlight: 0,
        pendingSince: 0,
        nextSince: 0,
        pendingCount: 0,
        attempts: 0,
        queued: false,
        trace: undefined,
        inFlightTrace: undefined,
      }
      this.#dialogs.set(key, state)
    }
    if (req.messageId <= state.confirmed) return true
    if (req.messageId > state.pending) {
      state.pending = req.messageId
      state.trace = req.trace
    }
    const receivedAt = req.receivedAt ?? this.#now()
    if (state.pendingSince === 0) state.pendingSince = receivedAt
    else if (state.inFlight > 0 && req.messageId > state.inFlight && state.nextSince === 0) state.nextSince = receivedAt
    state.pendingCount++
    if (state.inFlight === 0 && !state.queued) this.#enqueue(state, false)
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

  #enqueue(state: DialogState, front: boolean): void {
    state.queued = true
    if (front) this.#front.push(state)
    else this.#ready.set(state.key, state)
  }

  #take(max: number): DialogState[] {
    const out: DialogState[] = []
    while (out.length < max && this.#front.length > 0) out.push(this.#front.shift() as DialogState)
    for (const state of this.#ready.values()) {
      if (out.length >= max) break
      this.#ready.delete(state.key)
      out.push(state)
    }
    for (const state of out) state.queued = false
    return out
  }

  #readyCount(): number {
    return this.#front.length + this.#ready.size
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (this.#readyCount() > 0) {
        const slot = await this.#o.gate.acquire(this.#o.readMethod.method)
        const states = this.#take(this.#batchAllowed ? BATCH_LIMIT : 1)
        if (states.length === 0) {
          slot.done({ unused: true })
          continue
        }
        void this.#send(states).then((report) => {
          slot.done(report)
          // Settling may have re-queued dialogs (newer ids, retries): keep the loop going.
          void this.#pump()
        })
      }
    } finally {
      this.#pumping = false
    }
  }

  /** Sends one request for the dialogs and settles each; never throws. */
  async #send(states: DialogState[]): Promise<SlotReport> {
    const started = this.#now()
    const sent = states.map((s) => {
      s.inFlight = s.pending
      s.inFlightTrace = s.trace
      return {
        state: s,
        target: { botId: s.botId, dialogId: s.dialogId, messageId: s.pending },
        messages: s.pendingCount,
      }
    })
    const messages = sent.reduce((n, s) => n + s.messages, 0)
    const method = this.#o.readMethod.method
    const outcomes = new Map<DialogState, RestOutcome>()
    let whole: RestError | undefined
    if (sent.length === 1) {
      const only = sent[0] as (typeof sent)[number]
      outcomes.set(only.state, await safely(() => this.#o.port.call(this.#o.readMethod.build(only.target))))
    } else {
      const calls = new Map<string, RestCall>(sent.map((s, i) => [`r${i}`, this.#o.readMethod.build(s.target)]))
      const res = await safely(() => this.#o.port.batch(calls))
      if (res.ok) {
        sent.forEach((s, i) => {
          outcomes.set(s.state, res.results.get(`r${i}`) ?? missingResult())
        })
      } else {
        whole = res.error
        for (const s of sent) outcomes.set(s.state, { ok: false, error: res.error })
      }
    }
    const durationMs = this.#now() - started
    const report = {
      times: [] as Array<{ method: string; time: RestTime }>,
      kinds: new Set<ErrorClass>(),
    }
    let firstCode: string | undefined
    for (const s of sent) {
      const outcome = outcomes.get(s.state) ?? missingResult()
      if (outcome.time) report.times.push({ method, time: outcome.time })
      if (!outcome.ok) firstCode ??= outcome.error.code
      const kind = this.#settle(s.state, s.target, s.messages, outcome, durationMs, sent.length > 1)
      if (kind) report.kinds.add(kind)
    }
    for (const o of this.#o.observers ?? [])
      o.onCall?.({
        batch: sent.length > 1,
        dialogs: sent.length,
        messages,
        ok: firstCode === undefined,
        code: firstCode,
        durationMs,
      })
    if (whole !== undefined && sent.length > 1) {
      this.#o.log.warn(
        { code: whole.code, status: whole.status, dialogs: sent.length, durationMs },
        'batch request failed',
      )
    }
    this.#maybeIdle()
    return {
      rateLimited: report.kinds.has('rate-limit'),
      overloaded: report.kinds.has('overload'),
      failed: report.kinds.has('transient'),
      times: report.times,
      ...(report.kinds.has('operating-limit') ? { operatingBlocked: [method] } : {}),
    }
  }

  /** Applies one dialog's outcome; returns the error class when it failed. */
  #settle(
    state: DialogState,
    target: ReadTarget,
    messages: number,
    outcome: RestOutcome,
    durationMs: number,
    batch: boolean,
  ): ErrorClass | undefined {
    const sentId = state.inFlight
    const trace = state.inFlightTrace
    state.inFlight = 0
    state.inFlightTrace = undefined
    if (outcome.ok) {
      this.#portalError = undefined
      const result = readResult(outcome.result)
      const lagMs = this.#now() - state.pendingSince
      state.confirmed = Math.max(state.confirmed, sentId)
      state.attempts = 0
      state.pendingCount = Math.max(0, state.pendingCount - messages)
      state.pendingSince = state.pending > state.confirmed ? state.nextSince || this.#now() : 0
      state.nextSince = 0
      this.#o.log.info(
        {
          ...trace,
          botId: target.botId,
          dialogId: target.dialogId,
          messageId: sentId,
          outcome: 'read',
          messages,
          durationMs,
          batch,
          ...result,
        },
        'message read',
      )
      for (const o of this.#o.observers ?? []) o.onConfirmed?.(target, { lagMs, messages })
      this.#after(state)
      return undefined
    }
    const kind = classifyError(outcome.error)
    const { code, status } = outcome.error
    const fields = {
      ...trace,
      botId: target.botId,
      dialogId: target.dialogId,
      messageId: sentId,
      code,
      status,
      kind,
      durationMs,
    }
    if (kind === 'batch-refused') {
      if (this.#batchAllowed)
        this.#o.log.warn({ code }, 'the portal refuses imbot methods inside batch: using single calls')
      this.#batchAllowed = false
      state.nextSince = 0
      this.#enqueue(state, true)
      return undefined
    }
    if (kind === 'terminal-portal' || kind === 'terminal-dialog') {
      if (kind === 'terminal-portal') this.#portalError = outcome.error
      this.#logOnce(code, fields)
      for (const o of this.#o.observers ?? []) o.onDropped?.(target, outcome.error, kind)
      // Ids above the failed one arrived meanwhile: they may well be readable.
      if (state.pending > sentId) {
        state.pendingCount = 1
        state.pendingSince = state.nextSince || this.#now()
        state.nextSince = 0
        this.#enqueue(state, false)
      } else {
        state.pending = state.confirmed
        state.pendingCount = 0
        state.pendingSince = 0
        this.#after(state)
      }
      return kind
    }
    state.attempts++
    const level = state.attempts <= 3 ? 'warn' : 'debug'
    this.#o.log[level]({ ...fields, attempt: state.attempts }, 'read failed, will retry')
    // The retry carries every pending id, so its lag still runs from the oldest one.
    state.nextSince = 0
    this.#enqueue(state, true)
    return kind
  }

  /** After a success or a drop: re-queue if newer ids arrived, otherwise forget the dialog but remember its watermark. */
  #after(state: DialogState): void {
    if (state.pending > state.confirmed) {
      if (!state.queued) this.#enqueue(state, false)
      return
    }
    this.#dialogs.delete(state.key)
    this.#confirmed.delete(state.key)
    this.#confirmed.set(state.key, state.confirmed)
    const limit = this.#o.rememberConfirmed ?? this.#o.maxPendingDialogs
    while (this.#confirmed.size > limit) {
      const oldest = this.#confirmed.keys().next().value
      if (oldest === undefined) break
      this.#confirmed.delete(oldest)
    }
  }

  /** Logs a terminal error once per code per minute at error level; repeats go to debug. */
  #logOnce(code: string, fields: Record<string, unknown>): void {
    const now = this.#now()
    const last = this.#loggedCodes.get(code) ?? 0
    if (now - last >= 60_000) {
      this.#loggedCodes.set(code, now)
      this.#o.log.error(fields, 'read dropped: the portal refused it with a terminal error')
    } else {
      this.#o.log.debug(fields, 'read dropped: the portal refused it with a terminal error')
    }
  }

  #maybeIdle(): void {
    if (this.#dialogs.size === 0) for (const resolve of this.#idle.splice(0)) resolve()
  }
}

/** The map key of a dialog. */
export function keyOf(botId: number, dialogId: string): string {
  return `${botId}|${dialogId}`
}

/** Runs a port call; a port that throws (a bug) becomes a transient error instead of a stuck slot. */
async function safely<T extends { ok: boolean }>(fn: () => Promise<T>): Promise<T | { ok: false; error: RestError }> {
  try {
    return await fn()
  } catch (err) {
    return { ok: false, error: { code: 'UNKNOWN_ERROR', status: 0, message: String(err).slice(0, 200) } }
  }
}

function missingResult(): RestOutcome {
  return { ok: false, error: { code: 'ERROR_UNEXPECTED_ANSWER', status: 500, message: 'No result for this command' } }
}

/** The loggable part of a read result: `lastId` and `counter`. */
function readResult(result: unknown): { lastId?: number; counter?: number } {
  if (typeof result !== 'object' || result === null) return {}
  const r = result as Record<string, unknown>
  return {
    ...(typeof r.lastId === 'number' ? { lastId: r.lastId } : {}),
    ...(typeof r.counter === 'number' ? { counter: r.counter } : {}),
  }
}
