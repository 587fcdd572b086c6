/**
 * Runs accepted events through the handler pipeline in per-dialog lanes.
 *
 * The read rule: a message event is marked read exactly once, when its pipeline ends, however it ends (every
 * handler called `next()`, one stopped the chain, or one threw). A handler that wants the read sent sooner calls
 * `ctx.markRead()` itself; nothing can prevent it. A handler that throws is logged as a `PipelineError` (code
 * `HANDLER_FAILED`, the handler's error as its cause) with the event's ids.
 */
import type { Logger } from 'pino'
import { PipelineError } from '../errors.js'
import type { BotEvent } from '../events/types.js'
import { compose, type Middleware } from './compose.js'
import type { BotApiCall, EventContext } from './context.js'
import { eventIds } from './event-ids.js'
import type { Lanes } from './lanes.js'
import { RunContext, type RunShared } from './run-context.js'

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
  /** Called when an event has passed the whole pipeline (or failed in it). */
  readonly onDone?: (event: BotEvent, failed: boolean) => void
}

/** The ids of an event for log lines (see `event-ids.ts`). */
export { eventIds } from './event-ids.js'

/** Builds `run(event, receivedAt, trace?)`: false when the lanes are full (nothing was queued). */
export function createEventRunner(
  options: EventRunnerOptions,
): (event: BotEvent, receivedAt: number, trace?: EventTrace) => boolean {
  const pipeline = compose<EventContext>([...options.handlers])
  const { log } = options
  const shared: RunShared = { log, requestRead: options.requestRead, api: options.api }
  return (event, receivedAt, trace) => {
    const dialog = event.type === 'ONIMBOTV2DELETE' ? '-' : event.chat.dialogId
    return options.lanes.push(`${event.bot.id}|${dialog}`, async () => {
      const ctx = new RunContext(shared, event, receivedAt, trace)
      // A new message's ids come again on its read line (info): its own line is debug, and costs nothing above it.
      const level = event.type === 'ONIMBOTV2MESSAGEADD' ? 'debug' : 'info'
      if (log.isLevelEnabled(level)) log[level](ctx.ids(), 'event accepted')
      let failed = false
      try {
        await pipeline(ctx)
      } catch (err) {
        failed = true
        log.error(
          { ...ctx.ids(), err: new PipelineError(eventIds(event), err) },
          'a handler failed; the message is still marked read',
        )
      } finally {
        // The one place a message is marked read (see the rule above); a no-op if a handler already did.
        ctx.markRead()
        options.onDone?.(event, failed)
      }
    })
  }
}
