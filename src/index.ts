/**
 * The public API of b24-autoread for teams that extend the pipeline:
 *
 * ```ts
 * import { closeOnSignals, type EventContext, type Middleware, startService } from 'b24-autoread'
 * const greet: Middleware<EventContext> = async (ctx, next) => { ...; await next() }
 * closeOnSignals(await startService({ env: process.env, handlers: [greet] }))
 * ```
 *
 * `buildService(config, parts)` builds the same service from other parts (e.g. a fake port and a memory store).
 */
/** The portal port a fake implements in tests: one call or one `batch`, never throwing for portal errors. */
export type { BatchOutcome, BitrixPort, RestCall, RestError, RestOutcome, RestTime } from './bitrix/port.js'
/** A portal's refusal (`code` is the portal's, e.g. `ACCESS_DENIED`), as `ctx.api` throws it. */
export { BotApiError, RestCallError } from './bitrix/rest-call-error.js'
/** The validated settings, and the function that reads them from an environment (throws `ConfigError`). */
export { type Config, loadConfig } from './config.js'
/** The service's errors, each with a stable `code` from `error-codes.ts`. */
export { AppError, ConfigError, HttpError, PipelineError } from './errors.js'
/** The typed Bitrix24 events a handler sees (`ctx.event`), and their parts. */
export type {
  BotDeleteEvent,
  BotEvent,
  BotRef,
  ChatRef,
  CommandAddEvent,
  ContextGetEvent,
  JoinChatEvent,
  MessageAddEvent,
  MessageDeleteEvent,
  MessageRef,
  MessageUpdateEvent,
  ReactionChangeEvent,
  UserRef,
} from './events/types.js'
/** Graceful shutdown of a running service on SIGTERM/SIGINT (a second signal exits at once). */
export { closeOnSignals } from './lifecycle/signals.js'
/** The service's Prometheus metrics (`/metrics`). */
export type { Metrics } from './observability/metrics.js'
/** Extra readiness checks for `/readyz`. */
export { type ReadinessCheck, ReadinessChecks } from './observability/readiness.js'
/** Koa-style middleware: a handler is `(ctx, next) => Promise<void>`; `compose` chains them. */
export { compose, type Middleware, type Next } from './pipeline/compose.js'
/** What a handler sees for one event, and `isEvent` to narrow it to one event type. */
export { type BotApiCall, type EventContext, isEvent } from './pipeline/context.js'
/** Where the service's portals come from; `onePortal(port)` serves one fixed port (e.g. a fake in tests). */
export { onePortal, type PortalEntry, type PortalRegistry, type PortalSource } from './reads/portal-registry.js'
/** The real logger, state store and SDK ports for a config. */
export { type RealPartsOptions, realParts } from './real-parts.js'
/** The composition root: the whole service from a config and its parts; `start()` listens. */
export { buildService, type RunningService, type Service, type ServiceParts } from './service.js'
/** The real service from an environment in one call: a team's own entry file uses this. */
export { type StartOptions, startService } from './start-service.js'
/** An in-memory state store for tests (nothing survives a restart). */
export { MemoryStore } from './store/memory-store.js'
/** Where fetch mode keeps its `imbot.v2.Event.get` offset. */
export type { OffsetStore } from './store/offset-store.js'
/** The state store port: pending and confirmed read watermarks and dedupe keys. */
export type { StateStore } from './store/state-store.js'
