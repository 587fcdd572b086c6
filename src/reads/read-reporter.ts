/**
 * The read scheduler's log lines and observer calls, so the scheduler itself only decides and sends. Log lines carry
 * the event's ids (`trace`) and the dialog, never the call's params (the bot token is one of them).
 */
import type { Logger } from 'pino'
import type { RestError } from '../bitrix/port.js'
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

/** A dropped terminal error is logged at error level once per code per this many ms; repeats go to debug. */
const DROP_LOG_INTERVAL_MS = 60_000

/** Logs and reports what the read scheduler does. */
export class ReadReporter {
  readonly #log: Logger
  readonly #observers: readonly ReadObserver[]
  readonly #now: () => number
  readonly #loggedCodes = new Map<string, number>()

  constructor(log: Logger, observers: readonly ReadObserver[], now: () => number) {
    this.#log = log
    this.#observers = observers
    this.#now = now
  }

  /** A new dialog's read was refused at the pending bound. */
  refused(target: ReadTarget, limit: number): void {
    this.#log.warn({ ...target, limit }, 'pending dialogs at the bound (MAX_PENDING_DIALOGS): read refused')
  }

  /** The portal confirmed a read covering `messages` messages, the oldest received `lagMs` ago. */
  confirmed(read: SettledRead, info: { readonly messages: number; readonly lagMs: number }, result: unknown): void {
    const { target, durationMs, batch } = read
    const { messages } = info
    this.#log.info(
      { ...read.trace, ...target, outcome: 'read', messages, durationMs, batch, ...readResult(result) },
      'message read',
    )
    for (const o of this.#observers) o.onConfirmed?.(target, info)
  }

  /** The portal refused a read: dropped, to be retried (`attempt` in a row), or sent again alone. */
  failed(read: SettledRead, action: FailAction, kind: ErrorClass, error: RestError, attempt: number): void {
    const { code, status } = error
    const fields = { ...read.trace, ...read.target, code, status, kind, durationMs: read.durationMs }
    if (action === 'drop') {
      const now = this.#now()
      const first = now - (this.#loggedCodes.get(code) ?? 0) >= DROP_LOG_INTERVAL_MS
      if (first) this.#loggedCodes.set(code, now)
      this.#log[first ? 'error' : 'debug'](fields, 'read dropped: the portal refused it with a terminal error')
      for (const o of this.#observers) o.onDropped?.(read.target, error, kind)
    } else if (action === 'retry') {
      this.#log[attempt <= 3 ? 'warn' : 'debug']({ ...fields, attempt }, 'read failed, will retry')
    }
  }

  /** The portal refused imbot methods inside `batch` for the first time. */
  batchRefused(code: string): void {
    this.#log.warn({ code }, 'the portal refuses imbot methods inside batch: using single calls')
  }

  /** A read request finished; `whole` is the error of a `batch` that failed as a whole. */
  call(info: ReadCallInfo, whole: RestError | undefined): void {
    for (const o of this.#observers) o.onCall?.(info)
    if (whole !== undefined && info.batch) {
      const { dialogs, durationMs } = info
      this.#log.warn({ code: whole.code, status: whole.status, dialogs, durationMs }, 'batch request failed')
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
