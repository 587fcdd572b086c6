/**
 * `POST /bitrix24/events[/<secret>]`: authenticate (secret path segment before the body is read, then
 * `auth[application_token]` in constant time), parse, accept, answer 200 at once. Bitrix24's REST work happens later.
 * A new message the body parser only scanned (`ScannedMessage`) is accepted from its ids; its full decode runs in
 * its lane after the 200 (see run-event.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError } from '../errors.js'
import { EVENTS_PATH } from '../events/events-path.js'
import { parseEvent } from '../events/parse-event.js'
import { ScannedMessage } from '../events/scanned-message.js'
import { presentedApplicationToken, safeEqual } from '../events/verify.js'
import type { EventTrace } from '../pipeline/run-event.js'
import type { Acceptance, IntakeEvent } from './accept-event.js'

/** Route settings. */
export interface WebhookRouteOptions {
  readonly applicationToken: string | undefined
  readonly eventsSecret: string | undefined
  readonly accept: (event: IntakeEvent, receivedAt: number, trace?: EventTrace) => Promise<Acceptance>
  /** Parses extra event shapes (e.g. legacy v1) before the v2 parser; undefined when not applicable. */
  readonly parseLegacy?: (body: unknown) => ReturnType<typeof parseEvent> | undefined
  readonly onRejected?: (reason: string) => void
  /** The app's own events (OAuth mode: install, uninstall); answers undefined for any other body. */
  readonly appEvent?: (body: unknown) => Promise<{ readonly outcome: 'accepted' | 'duplicate' }> | undefined
}

const JSON_TYPE = 'application/json; charset=utf-8'
/** The 200 bodies, serialized once: one per outcome. */
const ANSWERS = {
  accepted: JSON.stringify({ ok: true, outcome: 'accepted' }),
  duplicate: JSON.stringify({ ok: true, outcome: 'duplicate' }),
  'unknown-event': JSON.stringify({ ok: true, outcome: 'ignored', reason: 'unknown-event' }),
  'other-bot': JSON.stringify({ ok: true, outcome: 'ignored', reason: 'other-bot' }),
} as const

/** The serialized `{ ok: true, ...acceptance }`. */
function answerText(acceptance: Acceptance): string {
  return acceptance.outcome === 'ignored' ? ANSWERS[acceptance.reason] : ANSWERS[acceptance.outcome]
}

/** Registers the webhook routes. */
export async function webhookRoute(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  const { eventsSecret, applicationToken } = options
  const rejection = (reason: string, err: HttpError): HttpError => {
    options.onRejected?.(reason)
    return err
  }
  const reject = (reason: string, err: HttpError): never => {
    throw rejection(reason, err)
  }

  // Callback-style: no promise per request.
  const checkSecret = (
    request: FastifyRequest<{ Params: { secret?: string } }>,
    _reply: FastifyReply,
    done: (err?: Error) => void,
  ) => {
    const presented = request.params.secret
    if (eventsSecret === undefined) {
      if (presented !== undefined) return done(rejection('not_found', new HttpError('NOT_FOUND')))
    } else if (presented === undefined || !safeEqual(presented, eventsSecret)) {
      return done(rejection('bad_secret', new HttpError('INVALID_EVENTS_SECRET')))
    }
    done()
  }
  const checkToken = (presented: string | undefined) => {
    if (applicationToken === undefined) return
    if (presented === undefined) reject('missing_token', new HttpError('MISSING_APPLICATION_TOKEN'))
    else if (!safeEqual(presented, applicationToken)) reject('bad_token', new HttpError('INVALID_APPLICATION_TOKEN'))
  }

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const receivedAt = Date.now()
    const body: unknown = request.body
    if (body instanceof ScannedMessage) {
      checkToken(body.applicationToken)
      const acceptance = await options.accept(body, receivedAt, { reqId: request.id })
      return reply.code(200).type(JSON_TYPE).send(answerText(acceptance))
    }
    if (body === undefined || body === null || body === '') {
      reject('empty_body', new HttpError('EMPTY_BODY'))
    }
    checkToken(presentedApplicationToken(body))
    const app = options.appEvent?.(body)
    if (app !== undefined) return reply.code(200).send({ ok: true, ...(await app) })
    const parsed = options.parseLegacy?.(body) ?? parseEvent(body)
    if (!parsed.ok) {
      reject('invalid_event', new HttpError(parsed.code, { message: `Invalid event: ${parsed.problems.join('; ')}` }))
      return
    }
    const acceptance = await options.accept(parsed.event, receivedAt, { reqId: request.id })
    return reply.code(200).type(JSON_TYPE).send(answerText(acceptance))
  }

  app.post(EVENTS_PATH, { onRequest: checkSecret }, handle)
  app.post(`${EVENTS_PATH}/:secret`, { onRequest: checkSecret }, handle)
}
