import type { QueuedEvent } from './types.js'

/** The page `imbot.v2.Event.get` returns. */
export interface EventPage {
  events: QueuedEvent[]
  nextOffset: number
  hasMore: boolean
}

/** Per-bot fetch-mode event queues with portal-wide increasing `eventId`s (`CB2/imbot.v2/events/event-get.md`). */
export class EventQueues {
  readonly #queues = new Map<number, QueuedEvent[]>()
  #nextEventId = 1001

  /** Enqueues an event for a bot; returns its eventId. */
  push(botId: number, type: string, date: string, data: object): number {
    const eventId = this.#nextEventId++
    const queue = this.#queues.get(botId) ?? []
    queue.push({ eventId, type, date, data })
    this.#queues.set(botId, queue)
    return eventId
  }

  /**
   * Confirms (deletes) every event with id < `offset`, then returns up to `limit` events.
   * `nextOffset` is the last returned id + 1, or 0 when nothing is returned (as the newer quick-start shows).
   */
  fetch(botId: number, offset: number | undefined, limit: number): EventPage {
    let queue = this.#queues.get(botId) ?? []
    if (offset !== undefined) {
      queue = queue.filter((e) => e.eventId >= offset)
      this.#queues.set(botId, queue)
    }
    const events = queue.slice(0, limit)
    const last = events.at(-1)
    return { events, nextOffset: last ? last.eventId + 1 : 0, hasMore: queue.length > events.length }
  }

  /** Events queued and not yet confirmed for a bot. */
  pending(botId: number): number {
    return this.#queues.get(botId)?.length ?? 0
  }

  /** Drops a bot's queue. */
  drop(botId: number): void {
    this.#queues.delete(botId)
  }
}
