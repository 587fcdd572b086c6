/**
 * Runs accepted events through the handler pipeline in per-dialog lanes.
 *
 * The read rule: a message event is marked read exactly once, when its pipeline ends, however it ends (every
 * handler called `next()`, one stopped the chain, or one threw). A handler that wants the read sent sooner calls
 * `ctx.markRead()` itself; nothing can prevent it. A handler that throws is logged as a `PipelineError` (code
 * `HANDLER_FAILED`, the handler's error as its cause) with the event's ids.
 *
 * The durability rule: when intake passes `durable` (the write of the event's pending read), the read is requested
 * only once it resolved, and never when it failed. Handlers start at once; only the read waits. A read sent before
 * its pending mark is on disk could be confirmed by the portal and then, after a crash, be followed by the replay
 * of an older stored mark: a dialog read backwards.
 *
 * The timeout rule: a pipeline still running after `handlerTimeoutMs` counts as ended for the read and for the
 * lane. The read is requested, the late handler is logged with the event's ids, and the lane moves on: the next
 * event of the dialog may start while the late handler still runs, and the concurrency slot is free again. So
 * hung handlers never stall a dialog or the service; a late handler that finishes (or throws) later is logged again.
 *
 * The scanned rule: a new message answered from its scanned ids (`ScannedMessage`) is decoded in full as the first
 * step of its lane job, before any handler. A body found malformed then is logged with the event's ids, counted
 * (`onMalformed`) and dropped: no handler runs, but its read is still requested (after `durable`), since the
 * message was authenticated, exists on the portal, and its pending read is already stored.
 */
import type { Logger } from 'pino'
import { PipelineError } from '../errors.js'
import type { DecodedMessage, ScannedMessage } from '../events/scanned-message.js'
import type { BotEvent } from '../events/types.js'
import { waitAtMost } from '../util/wait-at-most.js'
import { compose, type Middleware } from './compose.js'
import type { BotApiCall, EventContext } from './context.js'
import { eventIds } from './event-ids.js'
import type { Lanes } from './lanes.js'
import { type EventTrace, type RequestRead, RunContext, type RunShared } from './run-context.js'

export type { EventTrace, RequestRead } from './run-context.js'

/** Pipeline dependencies. */
export interface EventRunnerOptions {
  readonly lanes: Pick<Lanes, 'push'>
  readonly handlers: readonly Middleware<EventContext>[]
  readonly requestRead: RequestRead
  readonly api: (event: BotEvent) => BotApiCall
  readonly log: Logger
  /** How long the pipeline may run before the read is requested anyway and the lane moves on (ms). */
  readonly handlerTimeoutMs: number
  /** Called when an event has passed the whole pipeline (or failed in it). */
  readonly onDone?: (event: BotEvent, failed: boolean) => void
  /** A scanned message's body was found malformed in its lane (the error code): see the scanned rule. */
  readonly onMalformed?: (code: string) => void
}

/** The ids of an event for log lines (see `event-ids.ts`). */
export { eventIds } from './event-ids.js'

/** Runs one event; false when the lanes are full (nothing was queued). `durable`: see the durability rule. */
export type RunEvent = (
  event: BotEvent | ScannedMessage,
  receivedAt: number,
  trace?: EventTrace,
  durable?: Promise<unknown>,
) => boolean

/** Builds `run(event, receivedAt, trace?, durable?)`: false when the lanes are full (nothing was queued). */
export function createEventRunner(options: EventRunnerOptions): RunEvent {
  const pipeline = compose<EventContext>([...options.handlers])
  const { log } = options
  const shared: RunShared = { log, requestRead: options.requestRead, api: options.api }
  return (queued, receivedAt, trace, durable) => {
    return options.lanes.push(laneKey(queued), async () => {
      const event = queued.type === 'scanned' ? decodeOrDrop(queued, receivedAt, trace, durable) : queued
      if (event === undefined) return
      const ctx = new RunContext(shared, event, receivedAt, trace, durable)
      // A new message's ids come again on its read line (info): its own line is debug, and costs nothing above it.
      const level = event.type === 'ONIMBOTV2MESSAGEADD' ? 'debug' : 'info'
      if (log.isLevelEnabled(level)) log[level](ctx.ids(), 'event accepted')
      let failed = false
      const startedAt = Date.now()
      const running = pipeline(ctx)
      try {
        if (!(await waitAtMost(running, options.handlerTimeoutMs))) {
          const timeoutMs = options.handlerTimeoutMs
          const ids = ctx.ids()
          log.warn(
            { ...ids, timeoutMs },
            'a handler is still running after HANDLER_TIMEOUT_MS; the message is marked read',
          )
          running.then(
            () => log.warn({ ...ids, elapsedMs: Date.now() - startedAt }, 'a late handler finished'),
            (err) => log.error({ ...ids, err: new PipelineError(eventIds(event), err) }, 'a late handler failed'),
          )
        }
      } catch (err) {
        failed = true
        log.error(
          { ...ctx.ids(), err: new PipelineError(eventIds(event), err) },
          'a handler failed; the message is still marked read',
        )
      } finally {
        // The one place a message is marked read (see the rule above); a no-op if a handler already did.
        ctx.markRead()
        // After the read request, which may wait for `durable`: fetch progress counts on that order.
        if (durable === undefined) options.onDone?.(event, failed)
        else durable.then(() => options.onDone?.(event, failed), ignore)
      }
    })
  }

  /** The decoded event of a scanned message, or undefined once a malformed one is logged, counted and read. */
  function decodeOrDrop(
    message: ScannedMessage,
    receivedAt: number,
    trace: EventTrace | undefined,
    durable: Promise<unknown> | undefined,
  ): BotEvent | undefined {
    let decoded: Extract<DecodedMessage, { ok: false }> | undefined
    let thrown: unknown
    try {
      const result = message.decode()
      if (result.ok) return result.event
      decoded = result
    } catch (err) {
      thrown = err
    }
    const ids = eventIds(message)
    if (trace?.reqId !== undefined) ids.reqId = trace.reqId
    if (decoded === undefined) {
      // A decoder bug, not a bad body: the acknowledged message is still read.
      log.error(
        { ...ids, err: thrown },
        'event dropped: decoding its body failed after the 200; the message is still read',
      )
    } else {
      log.warn(
        { ...ids, code: decoded.code, problems: decoded.problems },
        'event dropped: its body was found malformed after the 200; no handler runs, the message is still read',
      )
    }
    options.onMalformed?.(decoded?.code ?? 'INTERNAL_ERROR')
    const read = { botId: message.botId, dialogId: message.dialogId, messageId: message.messageId, receivedAt }
    const withTrace = trace?.reqId === undefined ? read : { ...read, trace: { reqId: trace.reqId } }
    if (durable === undefined) options.requestRead(withTrace)
    else durable.then(() => options.requestRead(withTrace), ignore)
    return undefined
  }
}

/** The lane of an event: its bot and dialog (a scanned message shares its decoded event's lane). */
function laneKey(event: BotEvent | ScannedMessage): string {
  if (event.type === 'scanned') return `${event.botId}|${event.dialogId}`
  return `${event.bot.id}|${event.type === 'ONIMBOTV2DELETE' ? '-' : event.chat.dialogId}`
}

/** A failed `durable` write is reported by intake (503); the runner has nothing to add. */
const ignore = (): void => {}
