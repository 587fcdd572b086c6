/**
 * Metrics of the portal gate and the queues behind it: tokens, in-flight and waiting requests, cooldown, holds
 * (gauges read from `gate.snapshot()` at scrape time), how long callers waited for a slot (`onGrant`), pending
 * dialogs and queued events.
 */
import { Gauge, Histogram, type Registry } from 'prom-client'
import type { GateSnapshot } from '../reads/portal-gate.js'
import { methodLabel } from './rest-metrics.js'

/** Where the gauges read their values at scrape time; each is optional (0 until bound). */
export interface GaugeSources {
  readonly gate?: () => GateSnapshot
  readonly pendingDialogs?: () => number
  readonly queuedEvents?: () => number
  readonly ready?: () => boolean
}

/** Records limiter waits and binds the gauges to their sources. */
export interface LimiterMetrics {
  /** `onGrant` of the portal gate. */
  granted(method: string, waitedMs: number): void
  /** Binds (or rebinds) the sources the gauges read. */
  watch(sources: GaugeSources): void
}

/** Registers the limiter and queue gauges on `registry`. */
export function limiterMetrics(registry: Registry, prefix: string): LimiterMetrics {
  let sources: GaugeSources = {}
  const gauge = (name: string, help: string, read: (s: GaugeSources) => number | undefined) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(read(sources) ?? 0)
      },
    })
  gauge('limiter_tokens', 'Requests the client-side leaky bucket allows right now.', (s) => s.gate?.().tokens)
  gauge('limiter_in_flight', 'REST requests in flight to the portal.', (s) => s.gate?.().inFlight)
  gauge('limiter_waiting', 'Callers waiting for a slot of the portal gate.', (s) => s.gate?.().waiting)
  gauge(
    'limiter_cooldown_seconds',
    'Seconds left in the portal-wide pause after a 503, 429 or failures.',
    (s) => (s.gate?.().cooldownMs ?? 0) / 1000,
  )
  gauge('limiter_overloaded', '1 while the portal is treated as blocked (503 OVERLOAD_LIMIT).', (s) =>
    s.gate?.().overloaded ? 1 : 0,
  )
  gauge(
    'limiter_held_methods',
    'Methods held until their operating-time reset (429 OPERATION_TIME_LIMIT or time.operating near the budget).',
    (s) => s.gate?.().heldMethods.length,
  )
  gauge('pending_dialogs', 'Dialogs with a read pending or in flight.', (s) => s.pendingDialogs?.())
  gauge('pipeline_queued_events', 'Events accepted and not yet through the pipeline.', (s) => s.queuedEvents?.())
  gauge('ready', '1 when /readyz answers 200, 0 when it answers 503.', (s) =>
    s.ready === undefined || s.ready() ? 1 : 0,
  )
  const wait = new Histogram({
    name: `${prefix}limiter_wait_seconds`,
    help: 'Time a REST call waited for a slot of the portal gate, by method.',
    labelNames: ['method'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
    registers: [registry],
  })
  return {
    granted(method, waitedMs) {
      wait.observe({ method: methodLabel(method) }, Math.max(0, waitedMs) / 1000)
    },
    watch(next) {
      sources = { ...sources, ...next }
    },
  }
}
