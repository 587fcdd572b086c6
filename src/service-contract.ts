/** What a service is built from (`ServiceParts`) and what `buildService` hands back (`Service`, `RunningService`). */
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { FetchPoller } from './intake/fetch-poller.js'
import type { PollerTurn } from './intake/poller-turn.js'
import type { Metrics } from './observability/metrics.js'
import type { ReadinessChecks } from './observability/readiness.js'
import type { Middleware } from './pipeline/compose.js'
import type { EventContext } from './pipeline/context.js'
import type { PortalGate } from './reads/portal-gate.js'
import type { PortalRegistry, PortalSource } from './reads/portal-registry.js'
import type { ReadScheduler } from './reads/read-scheduler.js'
import type { ReplicaParts } from './reads/replica-parts.js'
import type { OffsetStore } from './store/offset-store.js'
import type { StateStore } from './store/state-store.js'

/** What the service is built from besides its config (see `real-parts.ts` for the real ones). */
export interface ServiceParts {
  readonly log: Logger
  /** Pending reads, dedupe keys and offsets; the service closes it on `close()`. */
  readonly store: StateStore
  /** Where the portals' ports come from: one webhook portal, or an OAuth app's portals as events arrive. */
  readonly portals: PortalSource
  /** Extra pipeline stages, run in order after the built-in logging stage and before the read. */
  readonly handlers?: readonly Middleware<EventContext>[]
  /** Fetch mode: where the `imbot.v2.Event.get` offset is kept (default: the state store). */
  readonly offsetStore?: OffsetStore
  /** The Prometheus registry and recorders (default: a fresh one with process metrics). */
  readonly metrics?: Metrics
  /** Rate budgets, read leases and takeover shared with other replicas (`STATE_STORE=redis`); none: one process. */
  readonly replicas?: ReplicaParts
  /** Fetch mode with replicas: the turn to poll the named queue, one replica at a time, and its offset. */
  readonly pollerTurn?: (queue: string) => PollerTurn
  /** Milliseconds since the epoch, for the gates, schedulers and the shutdown deadline (default `Date.now`). */
  readonly clock?: () => number
}

/** A built service; it listens once `start()` resolves. */
export interface Service {
  readonly app: FastifyInstance
  readonly config: Config
  readonly log: Logger
  /** The read scheduler and gate of the webhook portal (OAuth mode: of the first portal; see `portals`). */
  readonly reads: ReadScheduler
  readonly gate: PortalGate
  /** Every portal the service calls: one with webhook auth, one per `member_id` for an OAuth app. */
  readonly portals: PortalRegistry
  /** Fetch mode's poller (undefined in webhook mode). */
  readonly poller: FetchPoller | undefined
  /** The service's own Prometheus registry and recorders (served at `/metrics`). */
  readonly metrics: Metrics
  /** The named checks behind `/readyz`; add one with `readiness.set(name, check)`. */
  readonly readiness: ReadinessChecks
  /** Pending reads, dedupe keys and offsets that survive a restart. */
  readonly store: StateStore
  /** `http://host:port` once started. */
  readonly url: string | undefined
  /** Resolves once every event accepted so far has passed the pipeline and every read it asked for is settled. */
  idle(): Promise<void>
  /** Listens on the configured host and port, then starts polling (fetch mode). */
  start(): Promise<RunningService>
  /** Stops intake (503), drains the pipeline, flushes pending reads within `SHUTDOWN_TIMEOUT_MS`; the rest stays stored. */
  close(): Promise<void>
}

/** A service that listens. */
export interface RunningService extends Service {
  readonly url: string
}
