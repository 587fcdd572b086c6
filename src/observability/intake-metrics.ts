/** Metrics of the intake: events by type and outcome, rejections by reason, intake latency, HTTP answers by route. */
import { Counter, Histogram, type Registry } from 'prom-client'
import { EVENT_TYPES as V2_EVENT_TYPES } from '../events/types.js'

/** Event names that are label values as they are (the modelled v2 events, v1 and app events); anything else is `other`. */
const EVENT_TYPES: ReadonlySet<string> = new Set([
  ...V2_EVENT_TYPES,
  'ONIMBOTMESSAGEADD',
  'ONIMBOTMESSAGEUPDATE',
  'ONIMBOTMESSAGEDELETE',
  'ONIMBOTJOINCHAT',
  'ONIMBOTDELETE',
  'ONIMCOMMANDADD',
  'ONAPPINSTALL',
  'ONAPPUNINSTALL',
])

/** Intake outcomes (`createIntake`'s `onOutcome`). */
const OUTCOMES: ReadonlySet<string> = new Set(['accepted', 'duplicate', 'ignored', 'rejected'])

/** Why the events endpoint refused a request: the webhook route's reasons, the body parsers' and the intake's. */
export const REJECT_REASONS: ReadonlySet<string> = new Set([
  'not_found',
  'bad_secret',
  'empty_body',
  'missing_token',
  'bad_token',
  'invalid_event',
  'body_too_large',
  'unsupported_media_type',
  'malformed_body',
  'too_deep',
  'too_many_parameters',
  'overloaded',
  'store_unavailable',
  'shutting_down',
])

/** Records what the intake did. */
export interface IntakeMetrics {
  /** `onOutcome` of `createIntake`: one event and what became of it. */
  eventOutcome(type: string, outcome: string): void
  /** `onRejected` of the webhook route, and the parser and intake refusals the route does not see. */
  eventRejected(reason: string): void
  /** Time from the request's arrival to the answer (webhook), or spent in `accept` (fetch). */
  intakeDuration(seconds: number, outcome: 'ok' | 'rejected'): void
  /** Any HTTP answer: route pattern (never the secret), method, status. */
  httpRequest(route: string, method: string, status: number): void
  /** A new message answered 200 from its scanned ids whose full body was then found malformed (its error code). */
  eventMalformed(code: string): void
}

/** Codes a body found malformed after its 200 can have (see `ScannedMessage.decode`); anything else is `other`. */
const MALFORMED_CODES: ReadonlySet<string> = new Set([
  'INVALID_EVENT',
  'MALFORMED_FORM',
  'TOO_DEEP',
  'TOO_MANY_PARAMETERS',
])

/** Registers the intake metrics on `registry`. */
export function intakeMetrics(registry: Registry, prefix: string): IntakeMetrics {
  const events = new Counter({
    name: `${prefix}events_received_total`,
    help: 'Events that reached the intake, by event type and outcome (accepted, duplicate, ignored, rejected).',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  })
  const rejected = new Counter({
    name: `${prefix}events_rejected_total`,
    help: 'Requests to the events endpoint that were refused, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: `${prefix}intake_duration_seconds`,
    help: 'Time from the arrival of an event to its answer (the REST work happens later), by outcome.',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const malformed = new Counter({
    name: `${prefix}events_malformed_after_answer_total`,
    help: 'New messages answered 200 from their scanned ids whose full body was then found malformed: logged, read, handlers skipped.',
    labelNames: ['code'],
    registers: [registry],
  })
  const http = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests answered by the service, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  })
  // Label children are looked up once per label set, not per observation (issue 13: prom-client hashes the labels).
  const eventChild = labelCache((key: string) => {
    const [type = '', outcome = ''] = key.split('|')
    return events.labels({
      type: EVENT_TYPES.has(type) ? type : 'other',
      outcome: OUTCOMES.has(outcome) ? outcome : 'other',
    })
  })
  const rejectedChild = labelCache((reason: string) =>
    rejected.labels({ reason: REJECT_REASONS.has(reason) ? reason : 'other' }),
  )
  const latencyOk = latency.labels({ outcome: 'ok' })
  const latencyRejected = latency.labels({ outcome: 'rejected' })
  const httpChild = labelCache((key: string) => {
    const [route = '', method = '', status = ''] = key.split('\n')
    return http.labels({ route, method: /^[A-Z]{1,10}$/.test(method) ? method : 'other', status })
  })
  return {
    eventOutcome(type, outcome) {
      eventChild(`${type}|${outcome}`).inc()
    },
    eventRejected(reason) {
      rejectedChild(reason).inc()
    },
    intakeDuration(seconds, outcome) {
      ;(outcome === 'ok' ? latencyOk : latencyRejected).observe(seconds)
    },
    httpRequest(route, method, status) {
      httpChild(`${route}\n${method}\n${status}`).inc()
    },
    eventMalformed(code) {
      malformed.inc({ code: MALFORMED_CODES.has(code) ? code : 'other' })
    },
  }
}

/** Label sets seen at most; beyond it (unexpected label values) children are made per call, not kept. */
const MAX_LABEL_SETS = 256

/** Memoizes `make` by key, for at most `MAX_LABEL_SETS` keys (label values come from requests). */
function labelCache<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>()
  return (key) => {
    let child = cache.get(key)
    if (child === undefined) {
      child = make(key)
      if (cache.size < MAX_LABEL_SETS) cache.set(key, child)
    }
    return child
  }
}
