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
 */
import type { Logger } from 'pino'
import { PipelineError } from '../errors.js'
import type { BotEvent } from '../events/types.js'
import { waitAtMost } from '../util/wait-at-most.js'
import { compose, type Middleware } from './compose.js'
import type { BotApiCall, EventContext } from './context.js'
import { logEvent } from './handlers/log-event.js'
import type { Lanes } from './lanes.js'

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

/** Pipeline dependencies. */
export interface EventRunnerOptions {
  readonly lanes: Lanes
  readonly handlers: readonly Middleware<EventContext>[]
  readonly requestRead: RequestRead
  readonly api: (event: BotEvent) => BotApiCall
  readonly log: Logger
  /** How long the pipeline may run before the read is requested anyway and the lane moves on (ms). */
  readonly handlerTimeoutMs: number
  /** Called when an event has passed the whole pipeline (or failed in it). */
  readonly onDone?: (event: BotEvent, failed: boolean) => void
}

/** The ids of an event for log lines. */
export function eventIds(event: BotEvent): Record<string, string | number> {
  const ids: Record<string, string | number> = { event: event.type, botId: event.bot.id }
  if (event.eventId !== undefined) ids.eventId = event.eventId
  if (event.type !== 'ONIMBOTV2DELETE') ids.dialogId = event.chat.dialogId
  if ('message' in event) ids.messageId = event.message.id
  else if (event.type === 'ONIMBOTV2MESSAGEDELETE') ids.messageId = event.messageId
  return ids
}

/** Runs one event; false when the lanes are full (nothing was queued). `durable`: see the durability rule. */
export type RunEvent = (event: BotEvent, receivedAt: number, trace?: EventTrace, durable?: Promise<unknown>) => boolean

/** Builds `run(event, receivedAt, trace?, durable?)`: false when the lanes are full (nothing was queued). */
export function createEventRunner(options: EventRunnerOptions): RunEvent {
  const pipeline = compose<EventContext>([logEvent, ...options.handlers])
  return (event, receivedAt, trace, durable) => {
    const dialog = event.type === 'ONIMBOTV2DELETE' ? '-' : event.chat.dialogId
    return options.lanes.push(`${event.bot.id}|${dialog}`, async () => {
      const ids = eventIds(event)
      const log = options.log.child({ ...ids, ...trace })
      let read = false
      const ctx: EventContext = {
        event,
        log,
        receivedAt,
        api: options.api(event),
        state: {},
        markRead() {
          if (read || event.type !== 'ONIMBOTV2MESSAGEADD') return
          read = true
          const request = () =>
            options.requestRead({
              botId: event.bot.id,
              dialogId: event.chat.dialogId,
              messageId: event.message.id,
              receivedAt,
              trace: { ...trace, ...(event.eventId !== undefined ? { eventId: event.eventId } : {}) },
            })
          // Not stored: intake answers 503 and Bitrix24 delivers the event again, read then.
          if (durable === undefined) request()
          else durable.then(request, () => log.warn('read not requested: the event could not be stored'))
        },
      }
      let failed = false
      const startedAt = Date.now()
      const running = pipeline(ctx)
      try {
        if (!(await waitAtMost(running, options.handlerTimeoutMs))) {
          const timeoutMs = options.handlerTimeoutMs
          log.warn({ timeoutMs }, 'a handler is still running after HANDLER_TIMEOUT_MS; the message is marked read')
          running.then(
            () => log.warn({ elapsedMs: Date.now() - startedAt }, 'a late handler finished'),
            (err) => log.error({ err: new PipelineError(ids, err) }, 'a late handler failed'),
          )
        }
      } catch (err) {
        failed = true
        log.error({ err: new PipelineError(ids, err) }, 'a handler failed; the message is still marked read')
      } finally {
        // The one place a message is marked read (see the rule above); a no-op if a handler already did.
        ctx.markRead()
        // After the read request, which may wait for `durable`: fetch progress counts on that order.
        if (durable === undefined) options.onDone?.(event, failed)
        else durable.then(() => options.onDone?.(event, failed), ignore)
      }
    })
  }
}

/** A failed `durable` write is reported by intake (503); the runner has nothing to add. */
const ignore = (): void => {}
