/**
 * Metrics of fetch mode (`imbot.v2.Event.get`): how far behind the queue the poller is, and its polls. The
 * poller sets them; in webhook mode they stay at 0.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.html
 */
import { Counter, Gauge, type Registry } from 'prom-client'

/** What the fetch poller reports. */
export interface FetchMetrics {
  /** After each poll: the age in seconds of the newest event received (0 when the queue was empty) and the offset acknowledged. */
  setLag(lagSeconds: number, offset: number): void
  /** One `Event.get` poll: whether it succeeded and how many events it returned. */
  polled(ok: boolean, events: number): void
}

/** Registers the fetch-mode metrics on `registry`. */
export function fetchMetrics(registry: Registry, prefix: string): FetchMetrics {
  const lag = new Gauge({
    name: `${prefix}fetch_lag_seconds`,
    help: 'Fetch mode: age of the newest event the last poll returned (0 when the queue was drained).',
    registers: [registry],
  })
  const offset = new Gauge({
    name: `${prefix}fetch_offset`,
    help: 'Fetch mode: the offset last acknowledged to imbot.v2.Event.get.',
    registers: [registry],
  })
  const polls = new Counter({
    name: `${prefix}fetch_polls_total`,
    help: 'Fetch mode: imbot.v2.Event.get polls, by outcome (ok, error).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const events = new Counter({
    name: `${prefix}fetch_events_total`,
    help: 'Fetch mode: events returned by imbot.v2.Event.get.',
    registers: [registry],
  })
  return {
    setLag(lagSeconds, acknowledged) {
      lag.set(Math.max(0, lagSeconds))
      offset.set(acknowledged)
    },
    polled(ok, count) {
      polls.inc({ outcome: ok ? 'ok' : 'error' })
      if (count > 0) events.inc(count)
    },
  }
}
