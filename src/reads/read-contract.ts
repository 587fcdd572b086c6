/** What goes into the read scheduler (a request per message) and what it tells the rest of the service (observers). */
import type { RestError } from '../bitrix/port.js'
import type { ErrorClass } from './classify.js'
import type { ReadTarget } from './read-method.js'

/** A finished read request (single or batch), as `onCall` reports it. */
export interface ReadCallInfo {
  readonly batch: boolean
  readonly dialogs: number
  readonly messages: number
  readonly ok: boolean
  readonly code: string | undefined
  readonly durationMs: number
}

/** What the scheduler reports, for metrics, the state store and readiness. */
export interface ReadObserver {
  /** A read request (single or batch) finished. */
  onCall?(info: ReadCallInfo): void
  /** The portal confirmed a dialog read up to `lastId`; `lagMs` is from the oldest covered message's receipt. */
  onConfirmed?(target: ReadTarget, info: { readonly lagMs: number; readonly messages: number }): void
  /** A read was dropped: the dialog is gone for the bot (the only reason a read is given up). */
  onDropped?(target: ReadTarget, error: RestError, kind: ErrorClass): void
  /** A read was parked after failing past the retry window: it stays stored and is retried later. */
  onParked?(target: ReadTarget, error: RestError): void
  /** The portal was found to refuse `imbot.v2` in `batch` (`refused`), or to accept it again. */
  onBatchPath?(refused: boolean): void
}

/** Ids repeated on a read's log lines so one message can be followed from its request to its read. */
export type Trace = Readonly<Record<string, string | number>>

/** A read request as the pipeline makes it. */
export interface ReadRequest extends ReadTarget {
  /** When the message was received (ms since epoch), for the lag measurement. */
  readonly receivedAt?: number
  /** Ids of the event (reqId, eventId) that the read's log lines repeat. */
  readonly trace?: Trace
}
