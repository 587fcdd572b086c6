/**
 * `POST /bitrix24/events[/<secret>]`: authenticate (secret path segment before the body is read, then
 * `auth[application_token]` in constant time), parse, accept, answer 200 at once. Bitrix24's REST work happens later.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError } from '../errors.js'
import { EVENTS_PATH } from '../events/events-path.js'
import { parseEvent } from '../events/parse-event.js'
import type { BotEvent, UnknownEvent } from '../events/types.js'
import { presentedApplicationToken, safeEqual } from '../events/verify.js'
import type { EventTrace } from '../pipeline/run-event.js'
import type { Acceptance } from './accept-event.js'

/** Route settings. */
export interface WebhookRouteOptions {
  readonly applicationToken: string | undefined
  readonly eventsSecret: string | undefined
  readonly accept: (event: BotEvent | UnknownEvent, receivedAt: number, trace?: EventTrace) => Promise<Acceptance>
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
  const reject = (reason: string, err: HttpError): never => {
    options.onRejected?.(reason)
    throw err
  }

  const checkSecret = async (request: FastifyRequest<{ Params: { secret?: string } }>) => {
    if (eventsSecret === undefined) {
      if (request.params.secret !== undefined) reject('not_found', new HttpError('NOT_FOUND'))
      return
    }
    const presented = request.params.secret
    if (presented === undefined || !safeEqual(presented, eventsSecret)) {
      reject('bad_secret', new HttpError('INVALID_EVENTS_SECRET'))
    }
  }

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const receivedAt = Date.now()
    const body: unknown = request.body
    if (body === undefined || body === null || body === '') {
      reject('empty_body', new HttpError('EMPTY_BODY'))
    }
    if (applicationToken !== undefined) {
      const presented = presentedApplicationToken(body)
      if (presented === undefined) {
        reject('missing_token', new HttpError('MISSING_APPLICATION_TOKEN'))
      } else if (!safeEqual(presented, applicationToken)) {
        reject('bad_token', new HttpError('INVALID_APPLICATION_TOKEN'))
      }
    }
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
