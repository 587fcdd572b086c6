/**
 * Builds the Fastify app: body parsers with limits, the webhook route, health, and one central error handler
 * that answers every rejection with `{ ok: false, error, message }` and never echoes a 5xx's details.
 * No env, no listen, no SDK here (see service.ts).
 */
import type { Server } from 'node:http'
import Fastify, { type FastifyError, type FastifyHttpOptions, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import { HttpError } from './errors.js'
import { EVENTS_PATH } from './events/events-path.js'
import { DEFAULT_FORM_LIMITS, type FormLimits, parseFormBody } from './events/form-body.js'
import { parseJsonBody } from './events/json-body.js'
import { scanMessage } from './events/scanned-message.js'
import { type WebhookRouteOptions, webhookRoute } from './intake/webhook-route.js'
import type { Readiness } from './observability/readiness.js'

/** What the app needs. */
export interface AppOptions {
  readonly logger: Logger
  readonly bodyLimitBytes: number
  readonly requestTimeoutMs?: number
  readonly formLimits?: FormLimits
  /** The webhook route; undefined in fetch mode, where no webhook is served. */
  readonly webhook: WebhookRouteOptions | undefined
  /**
   * Form bodies of new messages are only scanned for the ids the 200 needs and decoded in full after it (issue 13);
   * off where the 200 needs the whole body (OAuth mode admits a portal from the tokens in it).
   */
  readonly scanMessages?: boolean
  readonly readiness?: () => Readiness
  /** Extra routes (e.g. `/metrics`), registered after the core ones. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE', message: 'The request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send application/x-www-form-urlencoded (as Bitrix24 does) or application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'INVALID_CONTENT_LENGTH',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_EMPTY_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The Content-Type header is empty' },
  FST_ERR_CTP_INVALID_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'The Content-Type header is invalid',
  },
}

/** Masks the secret segment of the events path, whatever was presented. */
export function safeUrl(url: string): string {
  return url.startsWith(`${EVENTS_PATH}/`) ? `${EVENTS_PATH}/[REDACTED]` : (url.split('?')[0] ?? url)
}

/** Builds the app; the caller listens and closes it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const serverOptions: FastifyHttpOptions<Server> = {
    loggerInstance: options.logger,
    // Accepted events and rejections get their own lines; per-request lines would double the log volume.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs ?? 15_000,
    connectionTimeout: options.requestTimeoutMs ?? 15_000,
    return503OnClosing: true,
    // Given to Node's constructor too: Fastify sets requestTimeout on the server afterwards, which leaves
    // headersTimeout at 60 s and lets a client that drips its body a byte at a time stay connected for good.
    // Node sweeps for expired requests every connectionsCheckingInterval (30 s by default).
    http: {
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      headersTimeout: options.requestTimeoutMs ?? 15_000,
      connectionsCheckingInterval: Math.min(1_000, options.requestTimeoutMs ?? 15_000),
    },
  }
  const app = Fastify(serverOptions)
  const formLimits = options.formLimits ?? DEFAULT_FORM_LIMITS

  app.removeAllContentTypeParsers()
  // A new message's form body is scanned once here and kept as the raw string (see scanned-message.ts); any other
  // body is decoded in full, with every limit, before the route sees it.
  const decodeForm =
    options.scanMessages === true
      ? (raw: string) => scanMessage(raw, formLimits) ?? parseFormBody(raw, formLimits)
      : (raw: string) => parseFormBody(raw, formLimits)
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, decodeForm(String(body)))
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)), undefined)
    }
  })
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body), formLimits))
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)), undefined)
    }
  })

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const known = error instanceof HttpError ? undefined : FASTIFY_CODES[error.code ?? '']
    const status = error instanceof HttpError ? error.statusCode : (known?.status ?? error.statusCode ?? 500)
    const url = safeUrl(request.url)
    if (status >= 500 && !(error instanceof HttpError)) {
      request.log.error({ method: request.method, url, err: { type: error.name, code: error.code } }, 'request failed')
      return reply.code(500).send({ ok: false, error: 'INTERNAL_ERROR', message: 'Internal error' })
    }
    const code = error instanceof HttpError ? error.code : (known?.code ?? error.code ?? 'BAD_REQUEST')
    const message = error instanceof HttpError ? error.message : (known?.message ?? error.message)
    request.log.warn({ method: request.method, url, status, code }, 'request rejected')
    if (status === 503) reply.header('retry-after', '5')
    return reply.code(status).send({ ok: false, error: code, message })
  })
  app.setNotFoundHandler((request, reply) => {
    request.log.info({ method: request.method, url: safeUrl(request.url) }, 'no such route')
    return reply
      .code(404)
      .send({ ok: false, error: 'NOT_FOUND', message: `No route ${request.method} ${safeUrl(request.url)}` })
  })

  app.get('/healthz', async () => ({ ok: true }))
  app.get('/readyz', async (_request, reply) => {
    const readiness = options.readiness?.() ?? { ok: true, reasons: [] }
    return reply.code(readiness.ok ? 200 : 503).send(readiness)
  })
  if (options.webhook) await webhookRoute(app, options.webhook)
  for (const plugin of options.plugins ?? []) await plugin(app)
  return app
}
