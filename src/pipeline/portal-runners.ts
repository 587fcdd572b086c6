/**
 * One event runner per portal, all sharing the lanes (so per-dialog order and the concurrency bound are global),
 * so that each event's read and API calls go to its own portal. Runners are made on first use.
 */
import type { Logger } from 'pino'
import type { BotEvent } from '../events/types.js'
import type { PortalEntry } from '../reads/portal-registry.js'
import type { BotApiOf } from './bot-api.js'
import type { Middleware } from './compose.js'
import type { EventContext } from './context.js'
import type { Lanes } from './lanes.js'
import { createEventRunner, type RunEvent } from './run-event.js'

/** An event runner: `run(event, receivedAt, trace?, durable?)`, false when the lanes are full. */
export type EventRunner = RunEvent

/** What the runners share. */
export interface PortalRunnersOptions {
  readonly lanes: Lanes
  readonly handlers: readonly Middleware<EventContext>[]
  readonly api: BotApiOf
  readonly log: Logger
  /** How long a pipeline may run before its read is requested anyway (see run-event.ts). */
  readonly handlerTimeoutMs: number
  /** A portal's scheduler refused a read at its bound; `eventId` is the fetch-mode event's, when it has one. */
  readonly onReadRefused?: (eventId: number | undefined) => void
  /** An event has passed the whole pipeline (or failed in it). */
  readonly onDone?: (event: BotEvent) => void
  /** A message answered from its scanned ids had a malformed body (see run-event.ts, the scanned rule). */
  readonly onMalformed?: (code: string) => void
  /** Marks a portal busy while one of its events is queued or running (OAuth mode: never evicted meanwhile). */
  readonly hold?: (entry: PortalEntry) => () => void
}

/** Returns the runner of a portal (undefined: a portal without a client, whose reads are skipped with a warning). */
export function portalRunners(options: PortalRunnersOptions): (entry: PortalEntry | undefined) => EventRunner {
  // Weak: a portal evicted from memory (OAuth mode) takes its runner with it.
  const runners = new WeakMap<PortalEntry, EventRunner>()
  let noPortal: EventRunner | undefined
  const { log, onReadRefused, onDone, onMalformed } = options
  return (entry) => {
    let runner = entry === undefined ? noPortal : runners.get(entry)
    if (runner === undefined) {
      runner = createEventRunner({
        lanes: entry === undefined ? options.lanes : heldLanes(options.lanes, entry, options.hold),
        handlers: options.handlers,
        requestRead: (read) => {
          if (entry === undefined) log.warn({ ...read.trace, dialogId: read.dialogId }, 'read skipped: no OAuth tokens')
          else if (!entry.reads.request(read)) onReadRefused?.(Number(read.trace?.eventId) || undefined)
        },
        api: options.api(entry),
        log,
        handlerTimeoutMs: options.handlerTimeoutMs,
        ...(onDone ? { onDone: (event: BotEvent) => onDone(event) } : {}),
        ...(onMalformed ? { onMalformed } : {}),
      })
      if (entry === undefined) noPortal = runner
      else runners.set(entry, runner)
    }
    return runner
  }
}

/** The lanes, with each job of `entry`'s portal holding it busy from its push until it has run. */
function heldLanes(lanes: Lanes, entry: PortalEntry, hold: PortalRunnersOptions['hold']): Pick<Lanes, 'push'> {
  if (hold === undefined) return lanes
  return {
    push(key, job) {
      const release = hold(entry)
      const queued = lanes.push(key, () => job().finally(release))
      if (!queued) release()
      return queued
    },
  }
}
