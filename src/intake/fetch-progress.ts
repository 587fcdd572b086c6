/**
 * Tracks fetch-mode events from intake to the end of their work, and derives the offset that may be confirmed
 * to `imbot.v2.Event.get`: every event below it has passed the pipeline and, for a message, had its read
 * confirmed or terminally refused (at-least-once). The offset never moves backwards, and it is saved each time
 * it advances (one save at a time).
 */
import type { Logger } from 'pino'
import type { RestError } from '../bitrix/port.js'
import type { BotEvent } from '../events/types.js'
import type { ReadObserver } from '../reads/read-scheduler.js'
import type { OffsetStore } from '../store/offset-store.js'

/** What the progress tracker needs. */
export interface FetchProgressOptions {
  readonly store: OffsetStore
  /** The highest message id the read scheduler has confirmed for a dialog. */
  readonly confirmedId: (botId: number, dialogId: string) => number
  readonly log: Logger
}

interface ReadWaiter {
  readonly eventId: number
  readonly messageId: number
}

/** Completion of fetched events and the confirmable offset. */
export class FetchProgress {
  readonly #o: FetchProgressOptions
  /** Event ids handed to intake and not finished, in ascending order (events arrive in order). */
  readonly #pending = new Set<number>()
  /** Dialog key -> events waiting for their read. */
  readonly #waiting = new Map<string, ReadWaiter[]>()
  readonly #idle: Array<() => void> = []
  /** Events whose read the scheduler refused at its bound (they cannot wait for a confirmation). */
  readonly #refused = new Set<number>()
  /** One past the highest event id handled so far. */
  #highWater = 0
  /** The offset confirmed so far (loaded, then only raised). */
  #acked: number | undefined
  #saved: number | undefined
  #saving: Promise<void> = Promise.resolve()

  constructor(options: FetchProgressOptions) {
    this.#o = options
  }

  /**
   * Loads the saved offset; call before polling, and again when this replica takes over polling from another:
   * events in flight from an earlier turn are then forgotten (whoever polls now fetches them again from the offset).
   */
  async load(): Promise<number | undefined> {
    const loaded = await this.#o.store.load()
    this.#pending.clear()
    this.#waiting.clear()
    this.#refused.clear()
    this.#highWater = 0
    this.#acked = loaded
    this.#saved = loaded
    for (const resolve of this.#idle.splice(0)) resolve()
    return loaded
  }

  /** The offset to send with the next poll: undefined before anything was saved or handled. */
  get offset(): number | undefined {
    return this.#acked
  }

  /**
   * The offset as last saved: what a poll confirms to Bitrix24 (which then drops the events below it), so a poller
   * that takes over after a crash never sends a lower one.
   */
  get savedOffset(): number | undefined {
    return this.#saved
  }

  /** Events handed to intake and not finished. */
  get inFlight(): number {
    return this.#pending.size
  }

  /** Whether `eventId` is already being worked on (a page fetched again must not feed it twice). */
  isPending(eventId: number): boolean {
    return this.#pending.has(eventId)
  }

  /** Whether `eventId` lies below the confirmed offset (already done). */
  isDone(eventId: number): boolean {
    return this.#acked !== undefined && eventId < this.#acked
  }

  /** Marks an event as handed to intake (before `accept`, which may finish it at once). */
  begin(eventId: number): void {
    this.#pending.add(eventId)
    this.#highWater = Math.max(this.#highWater, eventId + 1)
  }

  /** An event that intake did not take (overload): forgotten, and the offset stays below it. */
  abandon(eventId: number): void {
    this.#pending.delete(eventId)
    this.#highWater = Math.min(this.#highWater, eventId)
    this.#settled()
  }

  /** An event that needs no more work (ignored, a duplicate of a finished one, or malformed). */
  finish(eventId: number): void {
    this.#highWater = Math.max(this.#highWater, eventId + 1)
    this.#pending.delete(eventId)
    this.#settled()
  }

  /** Every event of a page was handled: its `nextOffset` (0 for an empty queue) may become the offset. */
  pageHandled(nextOffset: number): void {
    this.#highWater = Math.max(this.#highWater, nextOffset)
    this.#settled()
  }

  /** The pipeline finished an event: done, unless it is a message whose read is still to be confirmed. */
  onProcessed(event: BotEvent): void {
    const eventId = event.eventId
    if (eventId === undefined || !this.#pending.has(eventId)) return
    if (this.#refused.delete(eventId)) {
      this.#o.log.error(
        { eventId, ...(event.type === 'ONIMBOTV2MESSAGEADD' ? { messageId: event.message.id } : {}) },
        'fetch mode: the read was refused at MAX_PENDING_DIALOGS; the event counts as done, the message stays unread',
      )
      this.finish(eventId)
      return
    }
    if (event.type !== 'ONIMBOTV2MESSAGEADD') {
      this.finish(eventId)
      return
    }
    const { id: botId } = event.bot
    const { dialogId } = event.chat
    const messageId = event.message.id
    if (this.#o.confirmedId(botId, dialogId) >= messageId) {
      this.finish(eventId)
      return
    }
    const key = `${botId}|${dialogId}`
    const list = this.#waiting.get(key) ?? []
    list.push({ eventId, messageId })
    this.#waiting.set(key, list)
  }

  /** The read scheduler refused the read of `eventId` (at its bound): the event will not wait for it. */
  readRefused(eventId: number | undefined): void {
    if (eventId !== undefined && this.#pending.has(eventId)) this.#refused.add(eventId)
  }

  /** The read scheduler's observer: a confirmed or terminally refused read finishes the events it covers. */
  readonly observer: ReadObserver = {
    onConfirmed: (target) => this.#readSettled(target.botId, target.dialogId, target.messageId),
    onDropped: (target, error: RestError) => {
      this.#o.log.warn(
        { botId: target.botId, dialogId: target.dialogId, messageId: target.messageId, code: error.code },
        'fetch mode: a read was refused for good; its events count as done',
      )
      this.#readSettled(target.botId, target.dialogId, target.messageId)
    },
  }

  /** Resolves when no event is in flight. */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Waits for the saves issued so far. */
  async flushed(): Promise<void> {
    await this.#saving
  }

  #readSettled(botId: number, dialogId: string, upTo: number): void {
    const key = `${botId}|${dialogId}`
    const list = this.#waiting.get(key)
    if (list === undefined) return
    const left = list.filter((w) => w.messageId > upTo)
    if (left.length > 0) this.#waiting.set(key, left)
    else this.#waiting.delete(key)
    for (const w of list) if (w.messageId <= upTo) this.#pending.delete(w.eventId)
    this.#settled()
  }

  /** Recomputes the offset, saves it when it advanced, and wakes idle waiters. */
  #settled(): void {
    const lowestPending = this.#pending.values().next().value
    const candidate = lowestPending ?? this.#highWater
    if (candidate > 0 && (this.#acked === undefined || candidate > this.#acked)) {
      this.#acked = candidate
      this.#save()
    }
    if (this.#pending.size === 0) for (const resolve of this.#idle.splice(0)) resolve()
  }

  #save(): void {
    this.#saving = this.#saving.then(async () => {
      const value = this.#acked
      if (value === undefined || (this.#saved !== undefined && value <= this.#saved)) return
      try {
        await this.#o.store.save(value)
        this.#saved = value
      } catch (err) {
        this.#o.log.error({ offset: value, err }, 'fetch mode: could not save the offset')
      }
    })
  }
}
