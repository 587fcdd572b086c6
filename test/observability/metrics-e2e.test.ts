import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Exposition, parseExposition } from '../support/prom-text.js'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const READ = 'imbot.v2.Chat.Message.read'

async function post(w: World, body: string, headers: Record<string, string> = FORM): Promise<number> {
  const res = await fetch(`${w.service.url}/bitrix24/events`, { method: 'POST', headers, body })
  await res.arrayBuffer()
  return res.status
}

async function scrape(w: World): Promise<{ text: string; metrics: Exposition; contentType: string | null }> {
  const res = await fetch(`${w.service.url}/metrics`)
  expect(res.status).toBe(200)
  const text = await res.text()
  return { text, metrics: parseExposition(text), contentType: res.headers.get('content-type') }
}

describe('/metrics across a scripted run against the simulated portal (real SDK, HTTPS)', () => {
  it('counts accepted, duplicate and rejected events, REST calls, coalesced reads, lag and the limiter', async () => {
    // One request in flight and a slow first answer, so the other messages pile up behind it and get coalesced.
    world = await startWorld({ env: { B24_MAX_IN_FLIGHT: '1', LOG_LEVEL: 'info' } })
    const w = world
    w.portal.inject({ kind: 'slow', delayMs: 1_000, times: 1 })
    const before = (await scrape(w)).metrics
    expect(before.value('b24_autoread_events_received_total')).toBe(0)

    const first = w.portal.userSends({ botId: w.botId, dialogId: 'chat10' })
    expect(await post(w, phpHttpBuildQuery(first.event))).toBe(200)
    const sent = [first]
    for (const dialogId of ['chat10', 'chat10', 'chat11', 'chat12', 'chat13']) {
      const next = w.portal.userSends({ botId: w.botId, dialogId })
      sent.push(next)
      expect(await post(w, phpHttpBuildQuery(next.event))).toBe(200)
    }
    // Bitrix24 delivers the first event again (stale subscription): acknowledged, not processed twice.
    expect(await post(w, phpHttpBuildQuery(first.event))).toBe(200)
    // A forged token and a broken body are refused before anything is queued.
    const forged = { ...first.event, auth: { ...first.event.auth, application_token: 'forged-token-000000' } }
    expect(await post(w, phpHttpBuildQuery(forged))).toBe(401)
    expect(await post(w, 'data%5Bbot%5D%5Bid%5D=%E0%A4%A')).toBe(400)

    await vi.waitFor(
      () => {
        for (const dialogId of ['chat10', 'chat11', 'chat12', 'chat13']) {
          expect(w.portal.readState(w.botId, dialogId).unread).toBe(0)
        }
        expect(w.service.reads.pendingDialogs).toBe(0)
      },
      { timeout: 5_000 },
    )

    const { text, metrics: m, contentType } = await scrape(w)
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    const messageAdd = { type: 'ONIMBOTV2MESSAGEADD' }
    expect(m.value('b24_autoread_events_received_total', { ...messageAdd, outcome: 'accepted' })).toBe(6)
    expect(m.value('b24_autoread_events_received_total', { ...messageAdd, outcome: 'duplicate' })).toBe(1)
    expect(m.value('b24_autoread_events_rejected_total', { reason: 'bad_token' })).toBe(1)
    expect(m.value('b24_autoread_events_rejected_total', { reason: 'malformed_body' })).toBe(1)
    expect(m.value('b24_autoread_events_rejected_total')).toBe(2)
    expect(m.value('b24_autoread_intake_duration_seconds_count', { outcome: 'ok' })).toBe(7)
    expect(m.value('b24_autoread_intake_duration_seconds_count', { outcome: 'rejected' })).toBe(2)
    expect(m.value('b24_autoread_http_requests_total', { route: '/bitrix24/events', status: '200' })).toBe(7)
    expect(m.value('b24_autoread_http_requests_total', { route: '/bitrix24/events', status: '401' })).toBe(1)

    // Every message is covered exactly once, by fewer requests than messages: the reads were coalesced.
    const readRequests = m.value('b24_autoread_read_requests_total', { outcome: 'ok' })
    expect(m.value('b24_autoread_read_requests_total', { outcome: 'error' })).toBe(0)
    expect(m.value('b24_autoread_read_request_messages_total')).toBe(6)
    expect(m.value('b24_autoread_messages_read_total')).toBe(6)
    // The slow single read of chat10, then one batch with chat11..13 and chat10's two newer messages.
    expect(readRequests).toBe(2)
    expect(m.value('b24_autoread_read_messages_per_request_count')).toBe(readRequests)
    expect(m.value('b24_autoread_read_messages_per_request_sum')).toBe(6)
    expect(m.value('b24_autoread_read_messages_per_request_bucket', { le: '1' })).toBeLessThan(readRequests)

    // The REST counters agree with what the portal saw, request for request.
    const portalReads = w.portal.requests.filter((r) => r.method === READ).length
    const portalBatches = w.portal.requests.filter((r) => r.method === 'batch').length
    expect(portalReads + portalBatches).toBe(readRequests)
    expect(m.value('b24_autoread_rest_requests_total', { method: READ, outcome: 'ok', code: 'none' })).toBe(portalReads)
    expect(m.value('b24_autoread_rest_requests_total', { method: 'batch', outcome: 'ok' })).toBe(portalBatches)
    expect(m.value('b24_autoread_rest_requests_total', { outcome: 'error' })).toBe(0)
    expect(m.value('b24_autoread_rest_batch_commands_total', { method: READ, outcome: 'ok' })).toBe(
      w.portal.calls.filter((c) => c.via === 'batch' && c.method === READ).length,
    )
    expect(m.value('b24_autoread_rest_request_duration_seconds_count')).toBe(readRequests)

    // Lag: one observation per confirmed dialog read; every message waited behind the slow answer.
    const confirmations = m.value('b24_autoread_read_lag_seconds_count')
    expect(confirmations).toBe(5)
    expect(m.value('b24_autoread_read_lag_seconds_bucket', { le: '0.5' })).toBe(0)
    expect(m.value('b24_autoread_read_lag_seconds_bucket', { le: '+Inf' })).toBe(confirmations)
    expect(m.value('b24_autoread_read_dialogs_per_request_sum')).toBe(confirmations)

    // Limiter: one grant per request; gauges read live from the gate and the scheduler.
    expect(m.value('b24_autoread_limiter_wait_seconds_count', { method: READ })).toBe(readRequests)
    const tokens = m.value('b24_autoread_limiter_tokens')
    expect(tokens).toBeGreaterThan(0)
    expect(tokens).toBeLessThanOrEqual(50)
    expect(m.value('b24_autoread_limiter_in_flight')).toBe(0)
    expect(m.value('b24_autoread_limiter_waiting')).toBe(0)
    expect(m.value('b24_autoread_pending_dialogs')).toBe(0)
    expect(m.value('b24_autoread_ready')).toBe(1)
    expect(m.has('b24_autoread_process_cpu_seconds_total')).toBe(true)
    expect(m.has('b24_autoread_nodejs_eventloop_lag_seconds')).toBe(true)

    // No unbounded label values, and no secret anywhere in the exposition.
    for (const sample of m.samples) {
      expect(Object.keys(sample.labels)).not.toContain('dialogId')
      for (const value of Object.values(sample.labels)) expect(value).not.toMatch(/^chat\d+$/)
    }
    for (const secret of [...Object.values(TEST_SECRETS), w.portal.webhookSecret, 'forged-token-000000']) {
      expect(text).not.toContain(secret)
    }
  })

  it('gives every service its own registry: two services in one process count separately', async () => {
    world = await startWorld()
    const other = await startWorld()
    try {
      const sent = world.portal.userSends({ botId: world.botId, dialogId: 'chat3' })
      expect(await post(world, phpHttpBuildQuery(sent.event))).toBe(200)
      const mine = (await scrape(world)).metrics
      const theirs = (await scrape(other)).metrics
      expect(mine.value('b24_autoread_events_received_total', { outcome: 'accepted' })).toBe(1)
      expect(theirs.value('b24_autoread_events_received_total', { outcome: 'accepted' })).toBe(0)
    } finally {
      await other.close()
    }
  })
})

describe('request-scoped logs', () => {
  it('carries the webhook reqId and the message ids from the request (a debug line) to the read line', async () => {
    world = await startWorld({ env: { LOG_LEVEL: 'debug' } })
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat21' })
    expect(await post(w, phpHttpBuildQuery(sent.event))).toBe(200)
    await vi.waitFor(() => expect(w.printed()).toContain('"msg":"message read"'))
    const lines = w.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    const accepted = lines.find((l) => l.msg === 'event accepted')
    const read = lines.find((l) => l.msg === 'message read')
    expect(accepted).toMatchObject({
      level: 20,
      event: 'ONIMBOTV2MESSAGEADD',
      botId: w.botId,
      dialogId: 'chat21',
      messageId: sent.messageId,
    })
    expect(accepted?.reqId).toEqual(expect.any(String))
    expect(read).toMatchObject({
      level: 30,
      reqId: accepted?.reqId,
      botId: w.botId,
      dialogId: 'chat21',
      messageId: sent.messageId,
      messages: 1,
      outcome: 'read',
    })
    expect(w.printed()).not.toContain(TEST_SECRETS.botToken)
  })

  it('logs a retried read once at warn with the same ids, and nothing from the SDK on top', async () => {
    world = await startWorld({ env: { LOG_LEVEL: 'debug' } })
    const w = world
    w.portal.inject({ kind: '500', times: 1 })
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat23' })
    expect(await post(w, phpHttpBuildQuery(sent.event))).toBe(200)
    await vi.waitFor(() => expect(w.printed()).toContain('"msg":"message read"'), { timeout: 5_000 })
    const lines = w.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    const reqId = lines.find((l) => l.msg === 'event accepted')?.reqId
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'read failed, will retry',
        reqId,
        dialogId: 'chat23',
        messageId: sent.messageId,
        code: 'INTERNAL_SERVER_ERROR',
        attempt: 1,
      }),
    ])
    expect(lines.find((l) => l.msg === 'message read')).toMatchObject({ reqId, messageId: sent.messageId })
  })

  it('logs a rejected request with its reqId at warn, never with the presented token', async () => {
    world = await startWorld({ env: { LOG_LEVEL: 'info' } })
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat22' })
    const forged = { ...sent.event, auth: { ...sent.event.auth, application_token: 'forged-token-123456' } }
    expect(await post(w, phpHttpBuildQuery(forged))).toBe(401)
    const rejected = w.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request rejected')
    expect(rejected).toMatchObject({ level: 40, status: 401, code: 'INVALID_APPLICATION_TOKEN' })
    expect(rejected.reqId).toEqual(expect.any(String))
    expect(w.printed()).not.toContain('forged-token-123456')
  })
})
