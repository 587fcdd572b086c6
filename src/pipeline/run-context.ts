/**
 * The `EventContext` of one run, built without closures or a child logger per event (issue 13): `log`, `api` and
 * `state` are made the first time a handler asks for them, and `markRead` is one method on the prototype.
 */
import type { Logger } from 'pino'
import type { BotEvent } from '../events/types.js'
import type { BotApiCall, EventContext } from './context.js'
import { eventIds } from './event-ids.js'

/** Ids that follow one event from its HTTP request to the read log line (Fastify's `reqId` in webhook mode). */
export interface EventTrace {
  readonly reqId?: string
}

/** A read request from the pipeline; `trace` holds the ids the read's log line repeats (reqId, eventId). */
export type RequestRead = (read: {
  botId: number
  dialogId: string
  messageId: number
  receivedAt: number
  trace?: Readonly<Record<string, string | number>>
}) => void

/** What every run of one runner shares (built once per runner). */
export interface RunShared {
  readonly log: Logger
  readonly requestRead: RequestRead
  readonly api: (event: BotEvent) => BotApiCall
}

/** One event's context; cheap to build, its parts made on first use. */
export class RunContext implements EventContext {
  readonly event: BotEvent
  readonly receivedAt: number
  readonly #shared: RunShared
  readonly #trace: EventTrace | undefined
  #log: Logger | undefined
  #api: BotApiCall | undefined
  #state: Record<string, unknown> | undefined
  readonly #durable: Promise<unknown> | undefined
  #read = false

  /** `durable`: the write of the event's pending read; the read waits for it (see the durability rule in run-event). */
  constructor(
    shared: RunShared,
    event: BotEvent,
    receivedAt: number,
    trace: EventTrace | undefined,
    durable?: Promise<unknown>,
  ) {
    this.#shared = shared
    this.event = event
    this.receivedAt = receivedAt
    this.#trace = trace
    this.#durable = durable
  }

  /** A child logger with the event's ids (and reqId), made the first time a handler logs. */
  get log(): Logger {
    this.#log ??= this.#shared.log.child(this.ids())
    return this.#log
  }

  get api(): BotApiCall {
    this.#api ??= this.#shared.api(this.event)
    return this.#api
  }

  get state(): Record<string, unknown> {
    this.#state ??= {}
    return this.#state
  }

  /** The event's ids and trace, as the merge object of a line logged without the child logger. */
  ids(): Record<string, string | number> {
    const ids = eventIds(this.event)
    if (this.#trace?.reqId !== undefined) ids.reqId = this.#trace.reqId
    return ids
  }

  markRead(): void {
    const { event } = this
    if (this.#read || event.type !== 'ONIMBOTV2MESSAGEADD') return
    this.#read = true
    const reqId = this.#trace?.reqId
    const trace: Record<string, string | number> = {}
    if (reqId !== undefined) trace.reqId = reqId
    if (event.eventId !== undefined) trace.eventId = event.eventId
    const request = () =>
      this.#shared.requestRead({
        botId: event.bot.id,
        dialogId: event.chat.dialogId,
        messageId: event.message.id,
        receivedAt: this.receivedAt,
        trace,
      })
    // Not stored: intake answers 503 and Bitrix24 delivers the event again, read then.
    if (this.#durable === undefined) request()
    else this.#durable.then(request, () => this.log.warn('read not requested: the event could not be stored'))
  }
}
