import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortalGate } from '../../src/reads/portal-gate.js'
import { imbotV2Read } from '../../src/reads/read-method.js'
import { BATCH_LIMIT, ReadScheduler } from '../../src/reads/read-scheduler.js'
import { fakePort, memoryLogLines, readOk } from '../support/fake-port.js'

function setup(overrides: { burst?: number; perSec?: number; maxInFlight?: number; maxPendingDialogs?: number } = {}) {
  const port = fakePort()
  const logs = memoryLogLines()
  const gate = new PortalGate({
    burst: overrides.burst ?? 50,
    perSec: overrides.perSec ?? 2,
    maxInFlight: overrides.maxInFlight ?? 1,
    random: () => 0.5,
  })
  const confirmed: Array<{ dialogId: string; messageId: number; messages: number }> = []
  const dropped: Array<{ dialogId: string; code: string }> = []
  const reads = new ReadScheduler({
    port,
    gate,
    readMethod: imbotV2Read('secret-bot-token'),
    log: pino({ level: 'debug' }, logs),
    maxPendingDialogs: overrides.maxPendingDialogs ?? 1000,
    observers: [
      {
        onConfirmed: (t, info) =>
          confirmed.push({ dialogId: t.dialogId, messageId: t.messageId, messages: info.messages }),
        onDropped: (t, e) => dropped.push({ dialogId: t.dialogId, code: e.code }),
      },
    ],
  })
  return { port, gate, reads, confirmed, dropped, logs }
}

const sentIds = (port: ReturnType<typeof fakePort>) =>
  port.recorded
    .flatMap((r) => (r.kind === 'call' ? [r.call] : r.calls))
    .map((c) => [c.params.dialogId, c.params.messageId])

afterEach(() => {
  vi.useRealTimers()
})

describe('read scheduler', () => {
  it('sends a read at once when the portal is idle, with botId, botToken, dialogId and messageId', async () => {
    const { port, reads } = setup()
    reads.request({ botId: 456, dialogId: 'chat5', messageId: 789 })
    await reads.idle()
    expect(port.recorded).toEqual([
      {
        kind: 'call',
        call: {
          method: 'imbot.v2.Chat.Message.read',
          params: { botId: 456, botToken: 'secret-bot-token', dialogId: 'chat5', messageId: 789 },
        },
      },
    ])
  })

  it('coalesces messages that arrive while a read is in flight into one follow-up with the highest id', async () => {
    const { port, reads, confirmed } = setup()
    port.hold()
    reads.request({ botId: 1, dialogId: 'chat5', messageId: 10 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const id of [11, 14, 12, 13]) reads.request({ botId: 1, dialogId: 'chat5', messageId: id })
    port.release()
    await reads.idle()
    expect(sentIds(port)).toEqual([
      ['chat5', 10],
      ['chat5', 14],
    ])
    expect(confirmed.map((c) => c.messages)).toEqual([1, 4])
  })

  it('never sends an id lower than one already confirmed', async () => {
    const { port, reads } = setup()
    reads.request({ botId: 1, dialogId: '7', messageId: 100 })
    await reads.idle()
    reads.request({ botId: 1, dialogId: '7', messageId: 90 })
    reads.request({ botId: 1, dialogId: '7', messageId: 100 })
    await reads.idle()
    expect(sentIds(port)).toEqual([['7', 100]])
    expect(reads.confirmedId(1, '7')).toBe(100)
  })

  it('packs up to 50 dialogs into one batch when reads pile up, oldest first', async () => {
    const { port, reads } = setup()
    port.hold()
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (let d = 2; d <= 120; d++) reads.request({ botId: 1, dialogId: `chat${d}`, messageId: d })
    port.release()
    await reads.idle()
    const sizes = port.recorded.map((r) => (r.kind === 'call' ? 1 : r.calls.length))
    expect(sizes).toEqual([1, BATCH_LIMIT, BATCH_LIMIT, 19])
    const second = port.recorded[1]
    expect(second?.kind === 'batch' && second.calls[0]?.params.dialogId).toBe('chat2')
  })

  it('handles each command of a batch separately: a terminal error drops one dialog, a 5xx retries it', async () => {
    const { port, reads, confirmed, dropped } = setup()
    let failedOnce = false
    port.answer = (call) => {
      if (call.params.dialogId === 'chat2') {
        return { ok: false, error: { code: 'MESSAGE_NOT_FOUND', status: 400, message: 'Message not found' } }
      }
      if (call.params.dialogId === 'chat3' && !failedOnce) {
        failedOnce = true
        return { ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'Internal server error' } }
      }
      return readOk(call)
    }
    port.hold()
    reads.request({ botId: 1, dialogId: 'chat0', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const d of [1, 2, 3]) reads.request({ botId: 1, dialogId: `chat${d}`, messageId: 10 + d })
    port.release()
    await reads.idle()
    expect(dropped).toEqual([{ dialogId: 'chat2', code: 'MESSAGE_NOT_FOUND' }])
    expect(confirmed.map((c) => c.dialogId).sort()).toEqual(['chat0', 'chat1', 'chat3'])
    expect(port.recorded.at(-1)).toEqual({
      kind: 'call',
      call: expect.objectContaining({ params: expect.objectContaining({ dialogId: 'chat3' }) }),
    })
  })

  it('falls back to single calls for good when the portal refuses imbot methods in batch', async () => {
    const { port, reads, confirmed } = setup({ maxInFlight: 1 })
    port.batchAnswer = () => ({
      ok: false,
      error: { code: 'ERROR_BATCH_METHOD_NOT_ALLOWED', status: 405, message: 'Method is not allowed for batch usage' },
    })
    port.hold()
    reads.request({ botId: 1, dialogId: 'chat0', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const d of [1, 2, 3]) reads.request({ botId: 1, dialogId: `chat${d}`, messageId: d })
    port.release()
    await reads.idle()
    expect(reads.batchAllowed).toBe(false)
    expect(port.recorded.map((r) => r.kind)).toEqual(['call', 'batch', 'call', 'call', 'call'])
    expect(confirmed).toHaveLength(4)
  })

  it('drops a read on a terminal error with one log line and does not retry it', async () => {
    const { port, reads, dropped, logs } = setup()
    port.answer = () => ({
      ok: false,
      error: { code: 'BOT_OWNERSHIP_ERROR', status: 403, message: 'Bot is registered by another application' },
    })
    reads.request({ botId: 1, dialogId: 'chat9', messageId: 5 })
    await reads.idle()
    expect(port.recorded).toHaveLength(1)
    expect(dropped).toEqual([{ dialogId: 'chat9', code: 'BOT_OWNERSHIP_ERROR' }])
    expect(reads.portalError?.code).toBe('BOT_OWNERSHIP_ERROR')
    const errors = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 50)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'BOT_OWNERSHIP_ERROR', dialogId: 'chat9', messageId: 5 })
    expect(logs.lines.join('\n')).not.toContain('secret-bot-token')
  })

  it('retries a rate-limited read after the gate cools down, without counting it as lost', async () => {
    vi.useFakeTimers()
    const { port, reads, confirmed } = setup()
    let calls = 0
    port.answer = (call) =>
      ++calls === 1
        ? { ok: false, error: { code: 'QUERY_LIMIT_EXCEEDED', status: 503, message: 'Too many requests' } }
        : readOk(call)
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 3 })
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(900)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(calls).toBe(2)
    expect(confirmed).toHaveLength(1)
  })

  it('serves dialogs fairly: a dialog that always has a new message does not starve the others', async () => {
    const { port, reads } = setup({ maxInFlight: 1 })
    port.batchAnswer = () => ({
      ok: false,
      error: { code: 'ERROR_BATCH_METHOD_NOT_ALLOWED', status: 405, message: 'no' },
    })
    // Each read of the busy dialog brings its next message while it is in flight, so that coalescing cannot help:
    // the busy dialog has a read due after every one of its reads, 30 times.
    let next = 2
    port.answer = (call) => {
      if (call.params.dialogId === 'busy' && next <= 30)
        reads.request({ botId: 1, dialogId: 'busy', messageId: next++ })
      return readOk(call)
    }
    // First the portal refuses a batch, so that every read after it is a single call, one at a time.
    port.hold()
    reads.request({ botId: 1, dialogId: 'warm1', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const dialogId of ['warm2', 'warm3']) reads.request({ botId: 1, dialogId, messageId: 1 })
    port.release()
    await reads.idle()
    expect(reads.batchAllowed).toBe(false)
    const before = port.recorded.length
    port.hold()
    reads.request({ botId: 1, dialogId: 'busy', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(before + 1))
    for (const dialogId of ['quiet1', 'quiet2', 'quiet3']) reads.request({ botId: 1, dialogId, messageId: 1 })
    port.release()
    await reads.idle()
    const order = port.recorded.slice(before).flatMap((r) => (r.kind === 'call' ? [r.call.params.dialogId] : []))
    expect(order.filter((d) => d === 'busy')).toHaveLength(30)
    // Round-robin: after the busy dialog's first read come the three that waited, before its second.
    expect(order.slice(0, 5)).toEqual(['busy', 'quiet1', 'quiet2', 'quiet3', 'busy'])
  })

  it('refuses a new dialog at the pending bound and says so in the log', async () => {
    const { port, reads, logs } = setup({ maxPendingDialogs: 2 })
    port.hold()
    expect(reads.request({ botId: 1, dialogId: 'a', messageId: 1 })).toBe(true)
    expect(reads.request({ botId: 1, dialogId: 'b', messageId: 1 })).toBe(true)
    expect(reads.canAccept(1, 'c')).toBe(false)
    expect(reads.request({ botId: 1, dialogId: 'c', messageId: 1 })).toBe(false)
    expect(reads.request({ botId: 1, dialogId: 'a', messageId: 2 })).toBe(true)
    expect(logs.lines.some((l) => l.includes('MAX_PENDING_DIALOGS'))).toBe(true)
    port.release()
    await reads.idle()
  })

  it('retries a failed read before the dialogs queued meanwhile', async () => {
    const { port, reads } = setup()
    let failed = false
    port.answer = (call) => {
      if (call.params.dialogId === 'first' && !failed) {
        failed = true
        return { ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'Internal server error' } }
      }
      return readOk(call)
    }
    port.hold()
    reads.request({ botId: 1, dialogId: 'first', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const d of ['second', 'third']) reads.request({ botId: 1, dialogId: d, messageId: 1 })
    port.release()
    await reads.idle()
    expect(sentIds(port).map(([d]) => d)).toEqual(['first', 'first', 'second', 'third'])
  })

  it("logs a read with the ids of the event that set the dialog's highest id", async () => {
    const { port, reads, logs } = setup()
    port.hold()
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 5, trace: { eventId: 'e5' } })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 7, trace: { eventId: 'e7' } })
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 6, trace: { eventId: 'e6' } })
    port.release()
    await reads.idle()
    const read = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'message read')
    expect(read.map((l) => [l.messageId, l.eventId])).toEqual([
      [5, 'e5'],
      [7, 'e7'],
    ])
  })
})
