/**
 * The service's Prometheus metrics, all under `b24_autoread_`, in a registry of their own (never prom-client's
 * global one), so several services can run in one process. `createMetrics()` returns the registry and typed
 * recorders; `service.ts` wires them to the intake, the scheduler, the gate and the port.
 * @see https://prometheus.io/docs/practices/naming/
 */
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { ReadObserver } from '../reads/read-scheduler.js'
import { type FetchMetrics, fetchMetrics } from './fetch-metrics.js'
import { type IntakeMetrics, intakeMetrics } from './intake-metrics.js'
import { type LimiterMetrics, limiterMetrics } from './limiter-metrics.js'
import { readMetrics } from './read-metrics.js'
import { type ReplicaMetrics, replicaMetrics } from './replica-metrics.js'
import { type RestMetrics, restMetrics } from './rest-metrics.js'

/** The prefix of every metric the service exports. */
export const METRICS_PREFIX = 'b24_autoread_'

/** A service's metrics: its registry and the recorders each part of the service feeds. */
export interface Metrics {
  readonly registry: Registry
  readonly intake: IntakeMetrics
  readonly rest: RestMetrics
  /** An observer for `ReadScheduler`'s `observers` list. */
  readonly reads: ReadObserver
  readonly limiter: LimiterMetrics
  /** For the fetch-mode poller. */
  readonly fetch: FetchMetrics
  /** Replicas on Redis: the shared limiter, read leases and takeovers. */
  readonly shared: ReplicaMetrics
  /** The exposition text of every metric, in the Prometheus text format. */
  render(): Promise<string>
}

/** Options for `createMetrics`. */
export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC) with the prefix; default true. */
  readonly processMetrics?: boolean
}

/** Creates a fresh registry with every metric of the service. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry()
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX })
  return {
    registry,
    intake: intakeMetrics(registry, METRICS_PREFIX),
    rest: restMetrics(registry, METRICS_PREFIX),
    reads: readMetrics(registry, METRICS_PREFIX),
    limiter: limiterMetrics(registry, METRICS_PREFIX),
    fetch: fetchMetrics(registry, METRICS_PREFIX),
    shared: replicaMetrics(registry, METRICS_PREFIX),
    render: () => registry.metrics(),
  }
}
