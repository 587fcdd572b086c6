import { describe, expect, it } from 'vitest'
import type { RestCall } from '../../src/bitrix/port.js'
import { codeLabel } from '../../src/observability/code-label.js'
import { instrumentPort } from '../../src/observability/instrument-port.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { PortalGate } from '../../src/reads/portal-gate.js'
import { fakePort, readOk } from '../support/fake-port.js'
import { parseExposition } from '../support/prom-text.js'

const READ = 'imbot.v2.Chat.Message.read'
const read = (dialogId: string, messageId: number): RestCall => ({
  method: READ,
  params: { botId: 7, dialogId, messageId },
})

async function exposition(metrics: ReturnType<typeof createMetrics>) {
  return parseExposition(await metrics.render())
}

describe('createMetrics', () => {
  it('uses its own registry: two instances do not clash and count separately', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.intake.eventOutcome('ONIMBOTV2MESSAGEADD', 'accepted')
    expect((await exposition(a)).value('b24_autoread_events_received_total')).toBe(1)
    expect((await exposition(b)).value('b24_autoread_events_received_total')).toBe(0)
  })

  it('names every metric with the b24_autoread_ prefix and the Prometheus unit conventions', async () => {
    const m = await exposition(createMetrics())
    expect(m.types.size).toBeGreaterThan(30)
    for (const [name, type] of m.types) {
      expect(name).toMatch(/^b24_autoread_[a-z0-9_]+$/)
      if (type === 'counter') expect(name).toMatch(/_total$/)
      expect(name).not.toMatch(/_(ms|milliseconds|minutes)(_|$)/)
    }
  })

  it('keeps label values bounded: unknown event types, outcomes, reasons and codes become "other"', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.intake.eventOutcome('ONSOMETHINGNEW', 'accepted')
    metrics.intake.eventOutcome('ONIMBOTV2JOINCHAT', 'weird')
    metrics.intake.eventRejected('because')
    metrics.rest.request(READ, 'SOME_NEW_CODE', 0.01)
    metrics.rest.request('bad method name!', undefined, 0.01)
    const m = await exposition(metrics)
    expect(m.value('b24_autoread_events_received_total', { type: 'other', outcome: 'accepted' })).toBe(1)
    expect(m.value('b24_autoread_events_received_total', { type: 'ONIMBOTV2JOINCHAT', outcome: 'other' })).toBe(1)
    expect(m.value('b24_autoread_events_rejected_total', { reason: 'other' })).toBe(1)
    expect(m.value('b24_autoread_rest_requests_total', { method: READ, code: 'other', outcome: 'error' })).toBe(1)
    expect(m.value('b24_autoread_rest_requests_total', { method: 'other', code: 'none', outcome: 'ok' })).toBe(1)
  })

  it('maps Bitrix24 and transport codes to themselves and anything else to "other"', () => {
    expect(codeLabel(undefined)).toBe('none')
    for (const code of ['BOT_OWNERSHIP_ERROR', 'OVERLOAD_LIMIT', 'expired_token', 'ECONNREFUSED', 'REQUEST_TIMEOUT']) {
      expect(codeLabel(code)).toBe(code)
    }
    expect(codeLabel('chat12345')).toBe('other')
  })

  it('turns scheduler reports into coalescing, lag and drop metrics', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const target = { botId: 7, dialogId: 'chat1', messageId: 10 }
    metrics.reads.onCall?.({ batch: false, dialogs: 1, messages: 1, ok: true, code: undefined, durationMs: 5 })
    metrics.reads.onCall?.({ batch: true, dialogs: 3, messages: 9, ok: false, code: 'ACCESS_DENIED', durationMs: 5 })
    metrics.reads.onConfirmed?.(target, { lagMs: 2_000, messages: 4 })
    metrics.reads.onDropped?.(target, { code: 'ACCESS_DENIED', status: 403, message: '' }, 'dialog-gone')
    metrics.reads.onParked?.(target, { code: 'SOMETHING_NEW', status: 400, message: '' })
    const m = await exposition(metrics)
    expect(m.value('b24_autoread_read_requests_total', { kind: 'single', outcome: 'ok' })).toBe(1)
    expect(m.value('b24_autoread_read_requests_total', { kind: 'batch', outcome: 'error' })).toBe(1)
    expect(m.value('b24_autoread_read_request_messages_total')).toBe(10)
    expect(m.value('b24_autoread_read_messages_per_request_bucket', { le: '1' })).toBe(1)
    expect(m.value('b24_autoread_read_messages_per_request_bucket', { le: '10' })).toBe(2)
    expect(m.value('b24_autoread_read_dialogs_per_request_sum')).toBe(4)
    expect(m.value('b24_autoread_messages_read_total')).toBe(4)
    expect(m.value('b24_autoread_read_lag_seconds_sum')).toBe(2)
    expect(m.value('b24_autoread_read_lag_seconds_bucket', { le: '1' })).toBe(0)
    expect(m.value('b24_autoread_read_lag_seconds_bucket', { le: '2.5' })).toBe(1)
    expect(m.value('b24_autoread_reads_dropped_total', { class: 'dialog-gone', code: 'ACCESS_DENIED' })).toBe(1)
    // Unknown codes are bounded by the code label: one label value for every code not in its list.
    expect(m.value('b24_autoread_reads_parked_total', { code: 'other' })).toBe(1)
  })

  it('reads the limiter gauges from the gate at scrape time and times waits from onGrant', async () => {
    const metrics = createMetrics({ processMetrics: false })
    let now = 0
    // The gate keeps one request of headroom: a burst of 3 lets 2 through at once.
    const gate = new PortalGate({
      burst: 3,
      perSec: 1,
      maxInFlight: 5,
      now: () => now,
      onGrant: metrics.limiter.granted,
    })
    let pending = 3
    metrics.limiter.watch({ gate: () => gate.snapshot(), pendingDialogs: () => pending, ready: () => false })
    const first = await gate.acquire(READ)
    await gate.acquire(READ)
    const third = gate.acquire(READ)
    let m = await exposition(metrics)
    expect(m.value('b24_autoread_limiter_tokens')).toBe(0)
    expect(m.value('b24_autoread_limiter_in_flight')).toBe(2)
    expect(m.value('b24_autoread_limiter_waiting')).toBe(1)
    expect(m.value('b24_autoread_pending_dialogs')).toBe(3)
    expect(m.value('b24_autoread_ready')).toBe(0)
    now = 1_500
    first.done({ overloaded: true })
    pending = 0
    m = await exposition(metrics)
    expect(m.value('b24_autoread_limiter_overloaded')).toBe(1)
    expect(m.value('b24_autoread_limiter_cooldown_seconds')).toBeGreaterThanOrEqual(60)
    expect(m.value('b24_autoread_pending_dialogs')).toBe(0)
    expect(m.value('b24_autoread_limiter_wait_seconds_count', { method: READ })).toBe(2)
    gate.close()
    void third
  })

  it('exposes fetch-mode lag for the poller', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.fetch.polled(true, 3)
    metrics.fetch.polled(false, 0)
    metrics.fetch.setLag(12.5, 1042)
    const m = await exposition(metrics)
    expect(m.value('b24_autoread_fetch_lag_seconds')).toBe(12.5)
    expect(m.value('b24_autoread_fetch_offset')).toBe(1042)
    expect(m.value('b24_autoread_fetch_polls_total', { outcome: 'ok' })).toBe(1)
    expect(m.value('b24_autoread_fetch_polls_total', { outcome: 'error' })).toBe(1)
    expect(m.value('b24_autoread_fetch_events_total')).toBe(3)
  })
})

describe('instrumentPort', () => {
  it('counts each request once, batch commands by their own method and code', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const fake = fakePort()
    fake.answer = (call) =>
      call.params.dialogId === 'chat2'
        ? { ok: false, error: { code: 'ACCESS_DENIED', status: 403, message: 'Access denied' } }
        : readOk(call)
    const port = instrumentPort(fake, metrics.rest)
    expect((await port.call(read('chat1', 5))).ok).toBe(true)
    const outcome = await port.batch(
      new Map([
        ['r0', read('chat1', 6)],
        ['r1', read('chat2', 7)],
        ['r2', read('chat3', 8)],
      ]),
    )
    expect(outcome.ok).toBe(true)
    fake.batchAnswer = () => ({ ok: false, error: { code: 'QUERY_LIMIT_EXCEEDED', status: 503, message: '' } })
    expect((await port.batch(new Map([['r0', read('chat4', 9)]]))).ok).toBe(false)
    const m = await exposition(metrics)
    expect(m.value('b24_autoread_rest_requests_total', { method: READ, outcome: 'ok', code: 'none' })).toBe(1)
    expect(m.value('b24_autoread_rest_requests_total', { method: 'batch', outcome: 'ok' })).toBe(1)
    expect(
      m.value('b24_autoread_rest_requests_total', { method: 'batch', outcome: 'error', code: 'QUERY_LIMIT_EXCEEDED' }),
    ).toBe(1)
    expect(m.value('b24_autoread_rest_batch_commands_total', { method: READ, outcome: 'ok' })).toBe(2)
    expect(m.value('b24_autoread_rest_batch_commands_total', { method: READ, code: 'ACCESS_DENIED' })).toBe(1)
    expect(m.value('b24_autoread_rest_request_duration_seconds_count')).toBe(3)
    expect(port.portal).toBe(fake.portal)
  })
})
