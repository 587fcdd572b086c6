/**
 * The public API of b24-autoread for teams that extend the pipeline:
 *
 * ```ts
 * import { startServer, type Middleware, type EventContext } from 'b24-autoread'
 * const greet: Middleware<EventContext> = async (ctx, next) => { ...; await next() }
 * await startServer({ handlers: [greet], handleSignals: true })
 * ```
 */
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
export type { Metrics } from './observability/metrics.js'
export { type ReadinessCheck, ReadinessChecks } from './observability/readiness.js'
export { compose, type Middleware, type Next } from './pipeline/compose.js'
export { type BotApiCall, type EventContext, isEvent } from './pipeline/context.js'
export type { PortalEntry, PortalRegistry } from './reads/portal-registry.js'
export { type RunningService, type StartOptions, startServer } from './server.js'
export type { OffsetStore } from './store/offset-store.js'
