/**
 * The common intake step for webhook and fetch mode: ignore what is not ours, drop duplicates, check capacity,
 * and queue the event for the pipeline. Nothing here waits for Bitrix24.
 */
import type { Logger } from 'pino'
import { HttpError } from '../errors.js'
import type { BotEvent, UnknownEvent } from '../events/types.js'
import { type EventTrace, eventIds } from '../pipeline/run-event.js'
import type { RecentKeys } from './dedupe.js'

/** What became of an event. */
export type Acceptance =
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'ignored'; readonly reason: 'unknown-event' | 'other-bot' }

/** Intake dependencies. */
export interface IntakeOptions {
  readonly botIds: ReadonlySet<number> | undefined
  readonly seen: RecentKeys
  readonly run: (event: BotEvent, receivedAt: number, trace?: EventTrace) => boolean
  /** Whether a read for this dialog can be taken (false for a new dialog at its portal's pending bound). */
  readonly canAcceptRead: (botId: number, dialogId: string, event: BotEvent) => boolean
  /** Authenticates the event's portal (OAuth mode) before anything is kept of it; rejects with an `HttpError`. */
  readonly admit?: (event: BotEvent) => Promise<void>
  /** Makes the pending read durable before the event is acknowledged (no-op without a store). */
  readonly persist?: (event: BotEvent) => Promise<void>
  readonly log: Logger
  readonly onOutcome?: (event: string, outcome: string) => void
}

/** The dedupe key of an event, when it has one: fetch events by eventId, new messages by portal, bot and message id. */
export function dedupeKey(event: BotEvent): string | undefined {
  if (event.eventId !== undefined) return `e:${event.eventId}`
  if (event.type !== 'ONIMBOTV2MESSAGEADD') return undefined
  // An OAuth app serves many portals, whose bot and message ids can coincide: the portal is part of the key.
  const portal = event.bot.auth?.memberId ?? event.portal.memberId
  return portal === undefined
    ? `m:${event.bot.id}:${event.message.id}`
    : `m:${portal}:${event.bot.id}:${event.message.id}`
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
    if (key !== undefined && !options.seen.add(key)) {
      options.log.info({ ...eventIds(event), ...trace }, 'event ignored: duplicate delivery')
      count(event.type, 'duplicate')
      return { outcome: 'duplicate' }
    }
    const forget = () => {
      if (key !== undefined) options.seen.delete(key)
    }
    if (event.type === 'ONIMBOTV2MESSAGEADD' && !options.canAcceptRead(event.bot.id, event.chat.dialogId, event)) {
      forget()
      count(event.type, 'rejected')
      throw new HttpError('OVERLOADED', { message: 'Too many dialogs are waiting for a read; retry later' })
    }
    // The write is issued first and awaited last: the pipeline (and so the read) starts while the store commits,
    // and the 200 still waits for durability. The store applies writes in issue order, so a read confirmed
    // quickly clears the pending mark after it was written, never before.
    const persisted = options.persist?.(event)
    const queued = options.run(event, receivedAt, trace)
    try {
      await persisted
    } catch (err) {
      // Not stored: a redelivery must not be taken for a duplicate (reads are idempotent, so a second run is safe).
      forget()
      count(event.type, 'rejected')
      options.log.error({ ...eventIds(event), ...trace, err }, 'could not store the event')
      throw new HttpError('STORE_UNAVAILABLE', { cause: err })
    }
    if (!queued) {
      forget()
      count(event.type, 'rejected')
      throw new HttpError('OVERLOADED', { message: 'Too many events are queued; retry later' })
    }
    count(event.type, 'accepted')
    return { outcome: 'accepted' }
  }
}
