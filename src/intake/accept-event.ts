/**
 * The common intake step for webhook and fetch mode: ignore what is not ours, drop duplicates, check capacity,
 * and queue the event for the pipeline. Nothing here waits for Bitrix24.
 */
import type { Logger } from 'pino'
import { HttpError } from '../errors.js'
import type { BotEvent, UnknownEvent } from '../events/types.js'
import { type EventTrace, eventIds, type RunEvent } from '../pipeline/run-event.js'
import type { RecentKeys } from './dedupe.js'
import { dedupeKey } from './dedupe-key.js'

/** What became of an event. */
export type Acceptance =
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'ignored'; readonly reason: 'unknown-event' | 'other-bot' }

/** Intake dependencies. */
export interface IntakeOptions {
  readonly botIds: ReadonlySet<number> | undefined
  readonly seen: RecentKeys
  /** Queues the event for the pipeline; `durable` is the store write its read must wait for (see run-event.ts). */
  readonly run: RunEvent
  /** Whether a read for this dialog can be taken (false for a new dialog at its portal's pending bound). */
  readonly canAcceptRead: (botId: number, dialogId: string, event: BotEvent) => boolean
  /** Authenticates the event's portal (OAuth mode) before anything is kept of it; rejects with an `HttpError`. */
  readonly admit?: (event: BotEvent) => Promise<void>
  /** Makes the pending read durable before the event is acknowledged; false when the store saw the event before. */
  readonly persist?: (event: BotEvent, key: string) => Promise<boolean>
  /** The store is shared by replicas and decides dedupe: the event runs only once `persist` said it is new. */
  readonly persistFirst?: boolean
  readonly log: Logger
  readonly onOutcome?: (event: string, outcome: string) => void
}

/** Builds `accept(event, receivedAt, trace?)`; rejects with a 503 `HttpError` when the service cannot take more. */
export function createIntake(
  options: IntakeOptions,
): (event: BotEvent | UnknownEvent, receivedAt: number, trace?: EventTrace) => Promise<Acceptance> {
  const count = (event: string, outcome: string) => options.onOutcome?.(event, outcome)
  return async (event, receivedAt, trace) => {
    if (event.type === 'unknown') {
      options.log.info({ event: event.name, ...trace }, 'event ignored: not an event this service handles')
      count(event.name, 'ignored')
      return { outcome: 'ignored', reason: 'unknown-event' }
    }
    if (options.botIds !== undefined && !options.botIds.has(event.bot.id)) {
      options.log.info({ ...eventIds(event), ...trace }, 'event ignored: it is for another bot')
      count(event.type, 'ignored')
      return { outcome: 'ignored', reason: 'other-bot' }
    }
    if (options.admit !== undefined) {
      try {
        await options.admit(event)
      } catch (err) {
        count(event.type, 'rejected')
        throw err
      }
    }
    const key = dedupeKey(event)
    if (!options.seen.add(key)) {
      options.log.info({ ...eventIds(event), ...trace }, 'event ignored: duplicate delivery')
      count(event.type, 'duplicate')
      return { outcome: 'duplicate' }
    }
    const forget = () => options.seen.delete(key)
    if (event.type === 'ONIMBOTV2MESSAGEADD' && !options.canAcceptRead(event.bot.id, event.chat.dialogId, event)) {
      forget()
      count(event.type, 'rejected')
      throw new HttpError('OVERLOADED', { message: 'Too many dialogs are waiting for a read; retry later' })
    }
    // The write is issued first and awaited last: the pipeline starts while the store commits, and the 200 still
    // waits for durability. The read itself waits for the write (a read confirmed before its pending mark is on
    // disk could, after a crash, be followed by the replay of an older stored mark: a dialog read backwards).
    // A shared store answers dedupe for all replicas, so there the event runs only after it answered.
    const persisted = options.persist?.(event, key)
    const stored = async (): Promise<boolean> => {
      try {
        return (await persisted) ?? true
      } catch (err) {
        // Not stored: a redelivery must not be taken for a duplicate (reads are idempotent, so a second run is safe).
        forget()
        count(event.type, 'rejected')
        options.log.error({ ...eventIds(event), ...trace, err }, 'could not store the event')
        throw new HttpError('STORE_UNAVAILABLE', { cause: err })
      }
    }
    if (options.persistFirst === true && !(await stored())) {
      options.log.info({ ...eventIds(event), ...trace }, 'event ignored: duplicate delivery (recorded by a replica)')
      count(event.type, 'duplicate')
      return { outcome: 'duplicate' }
    }
    const queued = options.run(event, receivedAt, trace, persisted)
    if (options.persistFirst !== true) await stored()
    if (!queued) {
      forget()
      count(event.type, 'rejected')
      throw new HttpError('OVERLOADED', { message: 'Too many events are queued; retry later' })
    }
    count(event.type, 'accepted')
    return { outcome: 'accepted' }
  }
}
