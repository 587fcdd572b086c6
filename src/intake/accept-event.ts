/**
 * The common intake step for webhook and fetch mode: ignore what is not ours, drop duplicates, check capacity,
 * and queue the event for the pipeline. Nothing here waits for Bitrix24.
 */
import type { Logger } from 'pino'
import { HttpError } from '../errors.js'
import { MESSAGE_ADD, type ScannedMessage } from '../events/scanned-message.js'
import type { BotEvent, UnknownEvent } from '../events/types.js'
import { type EventTrace, eventIds, type RunEvent } from '../pipeline/run-event.js'
import type { RecentKeys } from './dedupe.js'
import { dedupeKey } from './dedupe-key.js'

/** What became of an event. */
export type Acceptance =
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'ignored'; readonly reason: 'unknown-event' | 'other-bot' }

/** What the intake takes: a decoded event, a well-formed unknown one, or a new message known by its scanned ids. */
export type IntakeEvent = BotEvent | UnknownEvent | ScannedMessage

/** Intake dependencies. */
export interface IntakeOptions {
  readonly botIds: ReadonlySet<number> | undefined
  readonly seen: RecentKeys
  /** Queues the event for the pipeline; `durable` is the store write its read must wait for (see run-event.ts). */
  readonly run: RunEvent
  /** Whether a read for this dialog can be taken (false for a new dialog at its portal's pending bound). */
  readonly canAcceptRead: (botId: number, dialogId: string, event: BotEvent | ScannedMessage) => boolean
  /** Authenticates the event's portal (OAuth mode) before anything is kept of it; rejects with an `HttpError`. */
  readonly admit?: (event: BotEvent) => Promise<void>
  /** Makes the pending read durable before the event is acknowledged; false when the store saw the event before. */
  readonly persist?: (event: BotEvent | ScannedMessage, key: string) => Promise<boolean>
  /** The store is shared by replicas and decides dedupe: the event runs only once `persist` said it is new. */
  readonly persistFirst?: boolean
  readonly log: Logger
  readonly onOutcome?: (event: string, outcome: string) => void
}

/** Builds `accept(event, receivedAt, trace?)`; rejects with a 503 `HttpError` when the service cannot take more. */
export function createIntake(
  options: IntakeOptions,
): (event: IntakeEvent, receivedAt: number, trace?: EventTrace) => Promise<Acceptance> {
  const { log, seen } = options
  const count = (event: string, outcome: string) => options.onOutcome?.(event, outcome)
  /** Not stored: a redelivery must not be taken for a duplicate (reads are idempotent, so a second run is safe). */
  const notStored = (event: BotEvent | ScannedMessage, key: string, trace: EventTrace | undefined, err: unknown) => {
    seen.delete(key)
    count(nameOf(event), 'rejected')
    log.error({ ...eventIds(event), ...trace, err }, 'could not store the event')
    return new HttpError('STORE_UNAVAILABLE', { cause: err })
  }
  return async (received, receivedAt, trace) => {
    if (received.type === 'unknown') {
      log.info({ event: received.name, ...trace }, 'event ignored: not an event this service handles')
      count(received.name, 'ignored')
      return { outcome: 'ignored', reason: 'unknown-event' }
    }
    const type = nameOf(received)
    if (options.botIds !== undefined && !options.botIds.has(botIdOf(received))) {
      log.info({ ...eventIds(received), ...trace }, 'event ignored: it is for another bot')
      count(type, 'ignored')
      return { outcome: 'ignored', reason: 'other-bot' }
    }
    let event: BotEvent | ScannedMessage = received
    if (options.admit !== undefined) {
      try {
        // A portal is admitted from its tokens: a scanned message is decoded first (the route scans none in OAuth mode).
        event = received.type === 'scanned' ? decodedOrThrow(received) : received
        await options.admit(event)
      } catch (err) {
        count(type, 'rejected')
        throw err
      }
    }
    const key = dedupeKey(event)
    if (!seen.add(key)) {
      log.info({ ...eventIds(event), ...trace }, 'event ignored: duplicate delivery')
      count(type, 'duplicate')
      return { outcome: 'duplicate' }
    }
    const dialogId = newMessageDialog(event)
    if (dialogId !== undefined && !options.canAcceptRead(botIdOf(event), dialogId, event)) {
      seen.delete(key)
      count(type, 'rejected')
      throw new HttpError('OVERLOADED', { message: 'Too many dialogs are waiting for a read; retry later' })
    }
    // The write is issued first and awaited last: the pipeline starts while the store commits, and the 200 still
    // waits for durability. The read itself waits for the write (a read confirmed before its pending mark is on
    // disk could, after a crash, be followed by the replay of an older stored mark: a dialog read backwards).
    // A shared store answers dedupe for all replicas, so there the event runs only after it answered.
    const persisted = options.persist?.(event, key)
    if (options.persistFirst === true && persisted !== undefined) {
      let isNew: boolean
      try {
        isNew = await persisted
      } catch (err) {
        throw notStored(event, key, trace, err)
      }
      if (!isNew) {
        log.info({ ...eventIds(event), ...trace }, 'event ignored: duplicate delivery (recorded by a replica)')
        count(type, 'duplicate')
        return { outcome: 'duplicate' }
      }
    }
    const queued = options.run(event, receivedAt, trace, persisted)
    if (options.persistFirst !== true && persisted !== undefined) {
      try {
        await persisted
      } catch (err) {
        throw notStored(event, key, trace, err)
      }
    }
    if (!queued) {
      seen.delete(key)
      count(type, 'rejected')
      throw new HttpError('OVERLOADED', { message: 'Too many events are queued; retry later' })
    }
    count(type, 'accepted')
    return { outcome: 'accepted' }
  }
}

/** The event's name for metrics. */
function nameOf(event: BotEvent | ScannedMessage): string {
  return event.type === 'scanned' ? MESSAGE_ADD : event.type
}

function botIdOf(event: BotEvent | ScannedMessage): number {
  return event.type === 'scanned' ? event.botId : event.bot.id
}

/** The dialog of a new message (the one kind of event that leaves a read), else undefined. */
function newMessageDialog(event: BotEvent | ScannedMessage): string | undefined {
  if (event.type === 'scanned') return event.dialogId
  return event.type === 'ONIMBOTV2MESSAGEADD' ? event.chat.dialogId : undefined
}

/** The decoded event of a scanned message, or the 400 its body deserves. */
function decodedOrThrow(scanned: ScannedMessage): BotEvent {
  const decoded = scanned.decode()
  if (decoded.ok) return decoded.event
  const message =
    decoded.code === 'INVALID_EVENT' ? `Invalid event: ${decoded.problems.join('; ')}` : decoded.problems[0]
  throw new HttpError(decoded.code, message === undefined ? {} : { message })
}
