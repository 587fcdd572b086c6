/**
 * `GET /metrics` in the Prometheus text format, plus the hooks that measure what only the HTTP layer sees:
 * answers by route and status, intake latency of the events endpoint, and the events endpoint's refusals
 * that happen before the webhook route's own checks (body parsers) or after them (intake capacity).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../error-codes.js'
import { HttpError } from '../errors.js'
import { EVENTS_PATH } from '../events/events-path.js'
import type { Metrics } from './metrics.js'

/** Error codes of the body parsers (Fastify's and ours) and of the intake, as rejection reasons. */
const REASON_OF_CODE: Readonly<Partial<Record<string, string>>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_body',
  MALFORMED_FORM: 'malformed_body',
  MALFORMED_JSON: 'malformed_body',
  FORBIDDEN_KEY: 'malformed_body',
  TOO_DEEP: 'too_deep',
  TOO_MANY_PARAMETERS: 'too_many_parameters',
  EMPTY_BODY: 'empty_body',
  OVERLOADED: 'overloaded',
  STORE_UNAVAILABLE: 'store_unavailable',
  SHUTTING_DOWN: 'shutting_down',
} satisfies Partial<Record<ErrorCode | `FST_ERR_${string}`, string>>

/** Codes the webhook route reports itself through `onRejected`: in its `onRequest` secret check, and in its handler. */
const ROUTE_CODES: ReadonlySet<string> = new Set<ErrorCode>(['NOT_FOUND', 'INVALID_EVENTS_SECRET'])
const HANDLER_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'EMPTY_BODY',
  'MISSING_APPLICATION_TOKEN',
  'INVALID_APPLICATION_TOKEN',
  'INVALID_EVENT',
])

const IN_HANDLER = Symbol('b24-autoread.inHandler')
type Marked = FastifyRequest & { [IN_HANDLER]?: boolean }

function isEventsRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith(EVENTS_PATH) ?? false
}

/** Builds the plugin for `buildApp({ plugins })`; the path is `/metrics`. */
export function metricsRoute(metrics: Metrics): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    // Callback-style hooks: no promise per request on the intake's path.
    app.addHook('preHandler', (request: Marked, _reply, done) => {
      request[IN_HANDLER] = true
      done()
    })
    app.addHook('onError', async (request: Marked, _reply, error: Error & { code?: string }) => {
      if (!isEventsRoute(request)) return
      const code = error.code ?? ''
      // The route reports its own refusals; the parsers', the intake's (capacity, store, shutdown) and unexpected
      // errors are counted here, so a new refusal shows up as `other` rather than not at all.
      const reported = request[IN_HANDLER]
        ? error instanceof HttpError && HANDLER_CODES.has(code)
        : ROUTE_CODES.has(code)
      if (!reported) metrics.intake.eventRejected(REASON_OF_CODE[code] ?? 'other')
    })
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched'
      metrics.intake.httpRequest(route, request.method, reply.statusCode)
      if (isEventsRoute(request)) {
        metrics.intake.intakeDuration(reply.elapsedTime / 1000, reply.statusCode < 400 ? 'ok' : 'rejected')
      }
      done()
    })
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.render()
      return reply.type(metrics.registry.contentType).send(text)
    })
  }
}
