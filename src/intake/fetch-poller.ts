/**
 * Fetch mode: polls `imbot.v2.Event.get` through the portal gate and feeds each event to the same intake as the
 * webhook. A page is worked off before the next poll, whose `offset` then confirms it (at-least-once: duplicates
 * are dropped by `eventId`). While `hasMore`, polls again `MORE_PAGES_GAP_MS` after the previous page arrived
 * (the docs ask for at least 2 s), every `pollIntervalMs` when idle, and backs off on errors.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.html
 */
import type { Logger } from 'pino'
import type { BitrixPort, RestError } from '../bitrix/port.js'
import { parseEvent } from '../events/parse-event.js'
import type { BotEvent, UnknownEvent } from '../events/types.js'
import { backoffDelay } from '../reads/backoff.js'
import { gatedCall } from '../reads/gated-call.js'
import type { PortalGate } from '../reads/portal-gate.js'
import { waitAtMost } from '../util/wait-at-most.js'
import type { Acceptance } from './accept-event.js'
import { type EventPage, parseEventPage, type QueuedEvent } from './event-page.js'
import type { FetchProgress } from './fetch-progress.js'
import type { PollerTurn } from './poller-turn.js'

/** The method that reads the bot's event queue. */
export const EVENT_GET = 'imbot.v2.Event.get'

/** The least wait between an `Event.get` page with `hasMore: true` and the next call, as Bitrix24 asks. */
export const MORE_PAGES_GAP_MS = 2_000

/** A standby replica asks for the turn again when the holder's lease lapses, but never sooner than this ... */
const STANDBY_MIN_MS = 50
/** ... and never later than one poll interval plus this (a holder that released its turn is replaced at once). */
const STANDBY_MAX_MS = 1_000

/** What the poller reports (the metrics' `FetchMetrics` fits). */
export interface FetchObserver {
  /** After each poll: age in seconds of the newest event returned (0 for none) and the offset confirmed. */
  setLag?(lagSeconds: number, offset: number): void
  /** One poll: whether it succeeded and how many events it returned. */
  polled?(ok: boolean, events: number): void
}

/** Poller dependencies and settings. */
export interface FetchPollerOptions {
  readonly port: BitrixPort
  readonly gate: PortalGate
  readonly botId: number
  /** Sent with every poll (webhook auth); undefined for OAuth apps. */
  readonly botToken: string | undefined
  /** Events per page, 1 to 1000. */
  readonly limit: number
  readonly pollIntervalMs: number
  readonly progress: FetchProgress
  readonly accept: (event: BotEvent | UnknownEvent, receivedAt: number) => Promise<Acceptance>
  readonly log: Logger
  readonly observer?: FetchObserver
  readonly random?: () => number
  /** Replicas sharing the queue: polls only while this replica holds the turn (none: always polls). */
  readonly turn?: PollerTurn
}

/** The polling loop of one bot. */
export class FetchPoller {
  readonly #o: FetchPollerOptions
  #running: Promise<void> | undefined
  #stopped = false
  #wake: (() => void) | undefined
  #failures = 0
  /** Across replicas: whether this replica polls (holds the turn and has loaded the offset). */
  #polling = false
  #lastError: RestError | undefined

  constructor(options: FetchPollerOptions) {
    this.#o = options
  }

  /** The error of the last poll, until a poll succeeds again (for readiness). */
  get lastError(): RestError | undefined {
    return this.#lastError
  }

  /** Loads the saved offset and starts polling. */
  start(): void {
    this.#running ??= this.#loop().catch((err: unknown) => {
      this.#o.log.error({ err }, 'fetch mode: the poller stopped on an unexpected error')
    })
  }

  /** Stops polling and feeding events (the rest of a page is left for the next start); resolves once the loop ended. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    await this.#running
  }

  async #loop(): Promise<void> {
    const { progress, log, turn } = this.#o
    if (turn === undefined) {
      const loaded = await progress.load()
      log.info({ botId: this.#o.botId, offset: loaded ?? null }, 'fetch mode: polling imbot.v2.Event.get')
    }
    while (!this.#stopped) {
      if (turn !== undefined && !(await this.#myTurn(turn))) continue
      const page = await this.#poll()
      const polledAt = Date.now()
      if (this.#stopped) break
      if (typeof page === 'string') {
        await this.#sleep(this.#backoff())
        continue
      }
      const fed = await this.#feed(page.events)
      if (!fed) {
        await this.#sleep(this.#backoff())
        continue
      }
      progress.pageHandled(page.nextOffset)
      if (page.events.length > 0) await this.#until(progress.idle())
      this.#o.observer?.setLag?.(lagSeconds(page.events), progress.offset ?? 0)
      if (!page.hasMore || page.events.length === 0) await this.#sleep(this.#o.pollIntervalMs)
      else await this.#sleep(MORE_PAGES_GAP_MS - (Date.now() - polledAt))
    }
    await turn?.release()
  }

  /**
   * Whether this replica may poll now: it holds the turn, or takes it (then the offset is loaded again from the
   * shared store, as the previous poller left it). Otherwise it stands by until the holder's lease may lapse.
   */
  async #myTurn(turn: PollerTurn): Promise<boolean> {
    const { progress, log } = this.#o
    if (this.#polling && turn.held()) return true
    let attempt: Awaited<ReturnType<PollerTurn['take']>>
    let loaded: number | undefined
    try {
      attempt = await turn.take()
      // A new turn starts from the offset the previous poller saved.
      if (attempt.held && (attempt.fresh || !this.#polling)) loaded = await progress.load()
    } catch (err) {
      this.#failures++
      if (this.#failures <= 3) log.warn({ err }, 'fetch mode: cannot reach the shared store for the poller turn')
      await this.#sleep(this.#backoff())
      return false
    }
    if (!attempt.held) {
      if (this.#polling) log.info({ botId: this.#o.botId }, 'fetch mode: another replica polls now; standing by')
      this.#polling = false
      await this.#sleep(Math.min(Math.max(attempt.retryMs, STANDBY_MIN_MS), this.#o.pollIntervalMs + STANDBY_MAX_MS))
      return false
    }
    if (attempt.fresh || !this.#polling) {
      log.info(
        { botId: this.#o.botId, offset: loaded ?? null },
        'fetch mode: this replica polls imbot.v2.Event.get now',
      )
      this.#polling = true
    }
    return true
  }

  /** One `Event.get`; the page, or the error code after logging it. */
  async #poll(): Promise<EventPage | string> {
    // Only a saved offset is confirmed to the portal: the events below it are gone from the queue once it is sent.
    await this.#o.progress.flushed()
    const offset = this.#o.progress.savedOffset
    const params: Record<string, unknown> = { botId: this.#o.botId, limit: this.#o.limit }
    if (this.#o.botToken !== undefined) params.botToken = this.#o.botToken
    if (offset !== undefined) params.offset = offset
    const outcome = await gatedCall<unknown>(
      this.#o.gate,
      this.#o.port,
      { method: EVENT_GET, params },
      { idempotent: true },
    )
    const page = outcome.ok ? parseEventPage(outcome.result) : undefined
    if (page !== undefined && typeof page !== 'string') {
      if (this.#lastError) this.#o.log.info({ offset: offset ?? null }, 'fetch mode: polling works again')
      this.#failures = 0
      this.#lastError = undefined
      this.#o.observer?.polled?.(true, page.events.length)
      return page
    }
    const error: RestError = outcome.ok
      ? { code: 'ERROR_UNEXPECTED_ANSWER', status: 200, message: `Event.get: ${page ?? 'no page'}` }
      : outcome.error
    this.#failures++
    const level = this.#failures <= 3 || this.#lastError?.code !== error.code ? 'warn' : 'debug'
    this.#o.log[level](
      { code: error.code, status: error.status, attempt: this.#failures, offset: offset ?? null },
      'fetch mode: Event.get failed, will retry',
    )
    this.#lastError = error
    this.#o.observer?.polled?.(false, 0)
    return error.code
  }

  /** Hands a page's events to intake in order; false when intake refused one (the rest waits for the next poll). */
  async #feed(events: readonly QueuedEvent[]): Promise<boolean> {
    const { progress, log } = this.#o
    const receivedAt = Date.now()
    for (const queued of events) {
      if (this.#stopped) return false
      const { eventId } = queued
      if (progress.isDone(eventId) || progress.isPending(eventId)) continue
      const parsed = parseEvent({ event: queued.type, data: queued.data, eventId })
      if (!parsed.ok) {
        log.warn({ eventId, event: queued.type, problems: parsed.problems }, 'fetch mode: malformed event skipped')
        progress.finish(eventId)
        continue
      }
      progress.begin(eventId)
      try {
        const acceptance = await this.#o.accept(parsed.event, receivedAt)
        if (acceptance.outcome !== 'accepted') progress.finish(eventId)
      } catch (err) {
        progress.abandon(eventId)
        log.warn({ eventId, err }, 'fetch mode: intake refused an event; retrying after a pause')
        return false
      }
    }
    return true
  }

  #backoff(): number {
    const base = Math.min(1_000, this.#o.pollIntervalMs)
    const max = Math.max(60_000, this.#o.pollIntervalMs)
    return backoffDelay({ baseMs: base, maxMs: max }, Math.max(0, this.#failures - 1), this.#o.random)
  }

  /** Waits `ms`, or less when stopped. */
  async #sleep(ms: number): Promise<void> {
    if (this.#stopped) return
    await waitAtMost(new Promise<void>((resolve) => (this.#wake = resolve)), ms)
    this.#wake = undefined
  }

  /** Waits for `promise`, or less when stopped. */
  #until(promise: Promise<void>): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#wake = resolve
      promise.then(resolve, resolve)
    }).finally(() => {
      this.#wake = undefined
    })
  }
}

/** Age in seconds of the newest event of a page (0 when empty or undated). */
function lagSeconds(events: readonly QueuedEvent[]): number {
  const date = events.at(-1)?.date
  const at = date === undefined ? Number.NaN : Date.parse(date)
  return Number.isNaN(at) ? 0 : Math.max(0, (Date.now() - at) / 1000)
}
