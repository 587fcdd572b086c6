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
export type { BitrixPort } from './bitrix/port.js'
export { BotApiError, RestCallError } from './bitrix/rest-call-error.js'
export type { Config } from './config.js'
export { loadConfig } from './config.js'
export { AppError, ConfigError, HttpError, PipelineError } from './errors.js'
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
export { closeOnSignals } from './lifecycle/signals.js'
export type { Metrics } from './observability/metrics.js'
export { type ReadinessCheck, ReadinessChecks } from './observability/readiness.js'
export { compose, type Middleware, type Next } from './pipeline/compose.js'
export { type BotApiCall, type EventContext, isEvent } from './pipeline/context.js'
export { onePortal, type PortalEntry, type PortalRegistry, type PortalSource } from './reads/portal-registry.js'
export { type RealPartsOptions, realParts } from './real-parts.js'
export { buildService, type RunningService, type Service, type ServiceParts } from './service.js'
export { type StartOptions, startService } from './start-service.js'
export { MemoryStore } from './store/memory-store.js'
export type { OffsetStore } from './store/offset-store.js'
export type { StateStore } from './store/state-store.js'
