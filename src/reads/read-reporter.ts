/**
 * The read scheduler's log lines and observer calls, so the scheduler itself only decides and sends. Log lines carry
 * the event's ids (`trace`) and the dialog, never the call's params (the bot token is one of them). An observer
 * that throws is logged and skipped: it can neither stall a read nor crash the process.
 */
import type { Logger } from 'pino'
import type { RestError } from '../bitrix/port.js'
import type { BatchPathChange } from './batch-path.js'
import type { ErrorClass } from './classify.js'
import type { FailAction } from './dialog-watermark.js'
import type { ReadCallInfo, ReadObserver, Trace } from './read-contract.js'
import type { ReadTarget } from './read-method.js'

/** One dialog's settled read, as its log line describes it. */
export interface SettledRead {
  readonly target: ReadTarget
  readonly trace: Trace | undefined
  readonly durationMs: number
  readonly batch: boolean
}

/** A line that could repeat per dialog is logged at its level once per code per this many ms; repeats go to debug. */
const REPEAT_LOG_INTERVAL_MS = 60_000

/** Log messages of failed reads, by action (`retry`/`backoff` share one; `resend` logs nothing per dialog). */
const FAIL_MESSAGES: Readonly<Partial<Record<FailAction, string>>> = {
  drop: 'read dropped: the dialog is gone for the bot',
  retry: 'read failed, will retry',
  backoff: 'read failed, will retry',
  park: 'read parked: it failed past the retry window; kept stored and retried later',
  'whole-dialog': 'the message read was deleted: reading the whole dialog instead',
}

/** Logs and reports what the read scheduler does. */
export class ReadReporter {
  readonly #log: Logger
  readonly #observers: readonly ReadObserver[]
  readonly #now: () => number
  readonly #loggedCodes = new Map<string, number>()
  #muted = false

  constructor(log: Logger, observers: readonly ReadObserver[], now: () => number) {
    this.#log = log
    this.#observers = observers
    this.#now = now
  }

  /** A new dialog's read was refused at the pending bound. */
  refused(target: ReadTarget, limit: number): void {
    this.#log.warn(
      { ...target, limit },
      'pending dialogs at the bound (MAX_PENDING_DIALOGS or MAX_PENDING_DIALOGS_TOTAL): read refused',
    )
  }

  /** The portal confirmed a read covering `messages` messages, the oldest received `lagMs` ago. */
  confirmed(read: SettledRead, info: { readonly messages: number; readonly lagMs: number }, result: unknown): void {
    const { target, durationMs, batch } = read
    const { messages } = info
    this.#log.info(
      { ...read.trace, ...target, outcome: 'read', messages, durationMs, batch, ...readResult(result) },
      'message read',
    )
    this.#tell((o) => o.onConfirmed?.(target, info))
  }

  /** The portal refused a read; `action` is what the scheduler does about it (`attempt`: failures in a row). */
  failed(read: SettledRead, action: FailAction, kind: ErrorClass, error: RestError, attempt: number): void {
    const message = FAIL_MESSAGES[action]
    if (message === undefined) return
    const { code, status } = error
    const fields = { ...read.trace, ...read.target, code, status, kind, durationMs: read.durationMs }
    if (action === 'drop' || action === 'park') {
      this.#log[this.#firstInWhile(`${action}:${code}`) ? 'error' : 'debug'](fields, message)
      if (action === 'drop') this.#tell((o) => o.onDropped?.(read.target, error, kind))
      else this.#tell((o) => o.onParked?.(read.target, error))
    } else if (action === 'whole-dialog') {
      this.#log.info(fields, message)
    } else {
      this.#log[attempt <= 3 ? 'warn' : 'debug']({ ...fields, attempt }, message)
    }
  }

  /** A configuration error paused the portal's reads. */
  paused(error: RestError, probeIntervalMs: number): void {
    this.#log.error(
      { code: error.code, status: error.status, probeIntervalMs },
      "reads paused: the portal refuses the bot's calls. Fix the bot token, webhook or app (see the runbook); " +
        'every pending read is kept and sent once a probe read succeeds or after a restart',
    )
  }

  /** A read succeeded again on a paused portal. */
  resumed(error: RestError | undefined): void {
    this.#log.warn({ code: error?.code }, 'reads resumed: the portal accepts the bot calls again')
  }

  /** The portal was found to refuse imbot methods inside `batch`, or accepts them again. */
  batchPath(change: Exclude<BatchPathChange, undefined>, code: string | undefined): void {
    const refused = change === 'refused'
    if (refused) this.#log.warn({ code }, 'the portal refuses imbot methods inside batch: using single calls')
    else this.#log.info('the portal accepts imbot methods inside batch again')
    this.#tell((o) => o.onBatchPath?.(refused))
  }

  /** Sending threw (a bug): logged; the slot is given back by the caller. */
  sendFailed(err: unknown): void {
    this.#log.error({ err }, 'sending reads failed unexpectedly')
  }

  /** A read request finished; `whole` is the error of a `batch` that failed as a whole. */
  call(info: ReadCallInfo, whole: RestError | undefined): void {
    this.#tell((o) => o.onCall?.(info))
    if (whole !== undefined && info.batch) {
      const { dialogs, durationMs } = info
      this.#log.warn({ code: whole.code, status: whole.status, dialogs, durationMs }, 'batch request failed')
    }
  }

  #firstInWhile(key: string): boolean {
    const now = this.#now()
    const first = now - (this.#loggedCodes.get(key) ?? Number.NEGATIVE_INFINITY) >= REPEAT_LOG_INTERVAL_MS
    if (first) this.#loggedCodes.set(key, now)
    return first
  }

  /** Observers are told nothing more (the portal was discarded); reads are still logged. */
  mute(): void {
    this.#muted = true
  }

  /** Calls every observer; one that throws is logged and the others still run. */
  #tell(call: (observer: ReadObserver) => void): void {
    if (this.#muted) return
    for (const observer of this.#observers) {
      try {
        call(observer)
      } catch (err) {
        this.#log.error({ err }, 'a read observer threw; the read itself is settled')
      }
    }
  }
}

/** The loggable part of a read result: `lastId` and `counter`. */
function readResult(result: unknown): { lastId?: number; counter?: number } {
  if (typeof result !== 'object' || result === null) return {}
  const lastId = 'lastId' in result && typeof result.lastId === 'number' ? { lastId: result.lastId } : {}
  const counter = 'counter' in result && typeof result.counter === 'number' ? { counter: result.counter } : {}
  return { ...lastId, ...counter }
}
