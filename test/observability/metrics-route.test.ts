import { messageAddEvent, phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { HttpError } from '../../src/errors.js'
import type { Acceptance } from '../../src/intake/accept-event.js'
import { createMetrics, type Metrics } from '../../src/observability/metrics.js'
import { metricsRoute } from '../../src/observability/metrics-route.js'
import { parseExposition } from '../support/prom-text.js'

const TOKEN = 'app-token-route-test-1234'
const SECRET = 'events-secret-route-test-5678'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

/** The app with the webhook route and the metrics plugin, wired as service.ts wires them. */
async function build(metrics: Metrics, accept: () => Promise<Acceptance>, eventsSecret?: string) {
  app = await buildApp({
    logger: pino({ level: 'silent' }),
    bodyLimitBytes: 4096,
    webhook: {
      applicationToken: TOKEN,
      eventsSecret,
      accept,
      onRejected: metrics.intake.eventRejected,
    },
    plugins: [metricsRoute(metrics)],
  })
  return app
}

const event = (token = TOKEN) => phpHttpBuildQuery(messageAddEvent({ applicationToken: token }))

describe('metricsRoute', () => {
  it('counts every refusal of the events endpoint once, by reason, whichever layer refused it', async () => {
    const metrics = createMetrics({ processMetrics: false })
    let answer: () => Promise<Acceptance> = async () => ({ outcome: 'accepted' })
    const a = await build(metrics, () => answer())
    const post = async (payload: string, headers: Record<string, string> = FORM) =>
      (await a.inject({ method: 'POST', url: '/bitrix24/events', headers, payload })).statusCode

    expect(await post(event())).toBe(200)
    expect(await post(event('forged-token-0000000'))).toBe(401)
    expect(await post(phpHttpBuildQuery({ event: 'ONIMBOTV2MESSAGEADD', data: { x: '1' } }))).toBe(401)
    expect(await post('a=%ZZ')).toBe(400)
    expect(await post('{"event":', { 'content-type': 'application/json' })).toBe(400)
    expect(await post('hello', { 'content-type': 'text/plain' })).toBe(415)
    expect(await post(`a=${'x'.repeat(5000)}`)).toBe(413)
    expect(await post(`a${'[b]'.repeat(12)}=1`)).toBe(400)
    expect(await post(phpHttpBuildQuery({ event: 'ONIMBOTV2MESSAGEADD', auth: { application_token: TOKEN } }))).toBe(
      400,
    )
    answer = async () => {
      throw new HttpError('OVERLOADED')
    }
    expect(await post(event())).toBe(503)
    answer = async () => {
      throw new Error('a bug')
    }
    expect(await post(event())).toBe(500)
    expect((await a.inject({ method: 'POST', url: '/bitrix24/events/some-secret', headers: FORM })).statusCode).toBe(
      404,
    )

    const m = parseExposition(await metrics.render())
    const reasons = Object.fromEntries(
      m.samples.filter((s) => s.name === 'b24_autoread_events_rejected_total').map((s) => [s.labels.reason, s.value]),
    )
    expect(reasons).toEqual({
      bad_token: 1,
      missing_token: 1,
      malformed_body: 2,
      unsupported_media_type: 1,
      body_too_large: 1,
      too_deep: 1,
      invalid_event: 1,
      overloaded: 1,
      other: 1,
      not_found: 1,
    })
    expect(m.value('b24_autoread_intake_duration_seconds_count', { outcome: 'ok' })).toBe(1)
    expect(m.value('b24_autoread_intake_duration_seconds_count', { outcome: 'rejected' })).toBe(11)
    expect(m.value('b24_autoread_http_requests_total', { route: '/bitrix24/events', status: '400' })).toBe(4)
  })

  it('labels the secret route by its pattern, never by the secret', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const a = await build(metrics, async () => ({ outcome: 'accepted' }), SECRET)
    const ok = await a.inject({ method: 'POST', url: `/bitrix24/events/${SECRET}`, headers: FORM, payload: event() })
    expect(ok.statusCode).toBe(200)
    const wrong = await a.inject({ method: 'POST', url: '/bitrix24/events/guessed-secret-000', headers: FORM })
    expect(wrong.statusCode).toBe(401)
    const res = await a.inject({ url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(res.body).not.toContain(SECRET)
    expect(res.body).not.toContain('guessed-secret-000')
    const m = parseExposition(res.body)
    expect(m.value('b24_autoread_http_requests_total', { route: '/bitrix24/events/:secret', status: '200' })).toBe(1)
    expect(m.value('b24_autoread_events_rejected_total', { reason: 'bad_secret' })).toBe(1)
    expect(m.value('b24_autoread_events_rejected_total')).toBe(1)
  })
})
