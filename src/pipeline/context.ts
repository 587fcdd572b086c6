/** The context every pipeline stage receives for one event. */
import type { Logger } from 'pino'
import type { BotEvent } from '../events/types.js'

/** A REST call made on the bot's behalf through the portal scheduler (`botId`/`botToken` are added for you). */
export type BotApiCall = <T = unknown>(method: string, params?: Record<string, unknown>) => Promise<T>

/** What a handler can see and do for one event. */
export interface EventContext<E extends BotEvent = BotEvent> {
  /** The verified, parsed event. */
  readonly event: E
  /** A child logger that carries the event's ids. */
  readonly log: Logger
  /** When the service received the event (ms since epoch). */
  readonly receivedAt: number
  /** Calls a Bitrix24 method as the bot, through the same rate limiter as the reads. */
  readonly api: BotApiCall
  /** Requests the read now instead of when the pipeline ends (idempotent; message events only; see run-event.ts). */
  markRead(): void
  /** Scratch space handlers may share for this event. */
  readonly state: Record<string, unknown>
}

/** Narrows a context to one event type, so handlers can filter with full types. */
export function isEvent<T extends BotEvent['type']>(
  ctx: EventContext,
  type: T,
): ctx is EventContext<Extract<BotEvent, { type: T }>> {
  return ctx.event.type === type
}
