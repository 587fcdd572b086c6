import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortalGate, type SlotReport } from '../../src/reads/portal-gate.js'
import { imbotV2Read } from '../../src/reads/read-method.js'
import { BATCH_LIMIT, type ReadRetryOptions, ReadScheduler } from '../../src/reads/read-scheduler.js'
import { fakePort, memoryLogLines, readOk } from '../support/fake-port.js'

/** Fast retries, so that backoffs, parking and probes happen within a test. */
const FAST_RETRY: Partial<ReadRetryOptions> = { baseMs: 20, maxMs: 40, parkAfterMs: 60_000, probeIntervalMs: 50 }

function setup(
  overrides: {
    burst?: number
    perSec?: number
    maxInFlight?: number
    maxPendingDialogs?: number
    retry?: Partial<ReadRetryOptions>
    batchRefused?: boolean
    throwOnConfirm?: boolean
  } = {},
) {
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
  const parked: Array<{ dialogId: string; code: string }> = []
  const batchPath: boolean[] = []
  /** What each read request told the gate. */
  const reports: SlotReport[] = []
  const acquire = gate.acquire.bind(gate)
  gate.acquire = async (method) => {
    const slot = await acquire(method)
    return {
      done: (report) => {
        reports.push(report ?? {})
        slot.done(report)
      },
    }
  }
  const reads = new ReadScheduler({
    port,
    gate,
    readMethod: imbotV2Read('secret-bot-token'),
    log: pino({ level: 'debug' }, logs),
    maxPendingDialogs: overrides.maxPendingDialogs ?? 1000,
    retry: { ...FAST_RETRY, ...overrides.retry },
    ...(overrides.batchRefused ? { batchRefused: true } : {}),
    observers: [
      {
        onConfirmed: (t, info) => {
          confirmed.push({ dialogId: t.dialogId, messageId: t.messageId, messages: info.messages })
          if (overrides.throwOnConfirm) throw new Error('observer bug')
        },
        onDropped: (t, e) => dropped.push({ dialogId: t.dialogId, code: e.code }),
        onParked: (t, e) => parked.push({ dialogId: t.dialogId, code: e.code }),
        onBatchPath: (refused) => batchPath.push(refused),
      },
    ],
  })
  return { port, gate, reads, confirmed, dropped, parked, batchPath, reports, logs }
}

/** A portal that runs the batch but refuses each of its commands with `code` (the same read succeeds alone). */
const refuseEachCommand = (code: string) => (calls: readonly unknown[]) => ({
  ok: true as const,
  results: new Map(
    calls.map((_, i) => [`r${i}`, { ok: false as const, error: { code, status: 200, message: 'refused in batch' } }]),
  ),
})

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

  it('handles each command of a batch separately: a gone dialog drops its read, a 5xx retries it', async () => {
    const { port, reads, confirmed, dropped } = setup()
    let failedOnce = false
    port.answer = (call) => {
      if (call.params.dialogId === 'chat2') {
        return { ok: false, error: { code: 'ACCESS_DENIED', status: 403, message: 'Bot is not a participant' } }
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
    expect(dropped).toEqual([{ dialogId: 'chat2', code: 'ACCESS_DENIED' }])
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

  it.each(['ERROR_METHOD_NOT_FOUND', 'ERROR_METHOD_NOT_ALLOWED', 'ACCESS_DENIED', 'ERROR_BATCH_METHOD_NOT_ALLOWED'])(
    'falls back to single calls when every command of a batch is refused with %s but succeeds alone',
    async (code) => {
      const { port, reads, confirmed, dropped, batchPath } = setup()
      port.batchAnswer = refuseEachCommand(code)
      port.hold()
      reads.request({ botId: 1, dialogId: 'chat0', messageId: 1 })
      await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
      for (const d of [1, 2, 3]) reads.request({ botId: 1, dialogId: `chat${d}`, messageId: d })
      port.release()
      await reads.idle()
      expect(port.recorded.map((r) => r.kind)).toEqual(['call', 'batch', 'call', 'call', 'call'])
      expect(reads.batchAllowed).toBe(false)
      expect(batchPath).toEqual([true])
      expect(dropped).toEqual([])
      expect(confirmed).toHaveLength(4)
    },
  )

  it('keeps the batch path when the reads are refused alone as well: the error was their own', async () => {
    const { port, reads, dropped, batchPath } = setup()
    port.answer = () => ({ ok: false, error: { code: 'ACCESS_DENIED', status: 403, message: 'Not a participant' } })
    port.hold()
    reads.request({ botId: 1, dialogId: 'chat0', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const d of [1, 2, 3]) reads.request({ botId: 1, dialogId: `chat${d}`, messageId: d })
    port.release()
    await reads.idle()
    expect(dropped).toHaveLength(4)
    expect(batchPath).toEqual([])
    expect(reads.batchAllowed).toBe(true)
  })

  it('starts on single calls when the refusal is remembered, and tries the batch path again later', async () => {
    const { port, reads, confirmed, batchPath } = setup({ batchRefused: true, retry: { batchRetryMs: 100 } })
    const pileUp = async (from: number) => {
      port.hold()
      reads.request({ botId: 1, dialogId: `chat${from}`, messageId: 1 })
      await vi.waitFor(() => expect(port.recorded.length).toBeGreaterThan(from))
      for (const d of [1, 2, 3]) reads.request({ botId: 1, dialogId: `chat${from + d}`, messageId: 1 })
      port.release()
      await reads.idle()
    }
    await pileUp(0)
    expect(port.recorded.map((r) => r.kind)).toEqual(['call', 'call', 'call', 'call'])
    await vi.waitFor(() => expect(reads.batchAllowed).toBe(true))
    await pileUp(4)
    expect(port.recorded.map((r) => r.kind).slice(4)).toEqual(['call', 'batch'])
    expect(batchPath).toEqual([false])
    expect(confirmed).toHaveLength(8)
  })

  it('pauses on a configuration error, keeps the read, probes now and then, and reads it once fixed', async () => {
    const { port, reads, dropped, confirmed, logs } = setup()
    let fixed = false
    port.answer = (call) =>
      fixed
        ? readOk(call)
        : { ok: false, error: { code: 'BOT_OWNERSHIP_ERROR', status: 403, message: 'Bot belongs to another app' } }
    reads.request({ botId: 1, dialogId: 'chat9', messageId: 5 })
    reads.request({ botId: 1, dialogId: 'chat8', messageId: 6 })
    await vi.waitFor(() => expect(port.recorded.length).toBeGreaterThanOrEqual(3))
    expect(reads.portalError?.code).toBe('BOT_OWNERSHIP_ERROR')
    expect(dropped).toEqual([])
    expect(reads.pendingDialogs).toBe(2)
    // Paused: one probe at a time, each a single call.
    expect(port.recorded.slice(1).every((r) => r.kind === 'call')).toBe(true)
    fixed = true
    await vi.waitFor(() => expect(confirmed).toHaveLength(2))
    await reads.idle()
    expect(reads.portalError).toBeUndefined()
    expect(confirmed.map((c) => c.dialogId).sort()).toEqual(['chat8', 'chat9'])
    const errors = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 50)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'BOT_OWNERSHIP_ERROR', msg: expect.stringContaining('reads paused') })
    expect(logs.lines.join('\n')).not.toContain('secret-bot-token')
  })

  it('reads the whole dialog (no messageId) when the newest message of a burst was deleted', async () => {
    const { port, reads, confirmed, dropped } = setup()
    port.answer = (call) =>
      call.params.messageId === 8
        ? { ok: false, error: { code: 'MESSAGE_NOT_FOUND', status: 400, message: 'Message not found' } }
        : readOk(call)
    for (const id of [5, 6, 7, 8]) reads.request({ botId: 1, dialogId: 'chat3', messageId: id })
    await reads.idle()
    expect(sentIds(port)).toEqual([
      ['chat3', 8],
      ['chat3', undefined],
    ])
    expect(dropped).toEqual([])
    expect(confirmed).toEqual([{ dialogId: 'chat3', messageId: 8, messages: 4 }])
  })

  it('backs a failing dialog off on its own and parks it after the retry window, never dropping it', async () => {
    // A portal with budget to spare: the pacing rule sends every retry at once, so only the retry rules decide.
    const { port, reads, parked, dropped, confirmed } = setup({
      retry: { parkAfterMs: 150 },
      burst: 1_000,
      perSec: 1_000,
    })
    let broken = true
    port.answer = (call) =>
      broken && call.params.dialogId === 'bad'
        ? { ok: false, error: { code: 'SOMETHING_NEW', status: 400, message: 'A code nobody documented' } }
        : readOk(call)
    reads.request({ botId: 1, dialogId: 'bad', messageId: 1 })
    await reads.idle()
    expect(parked).toEqual([{ dialogId: 'bad', code: 'SOMETHING_NEW' }])
    expect(dropped).toEqual([])
    expect(reads.parkedDialogs).toBe(1)
    expect(reads.pendingDialogs).toBe(1)
    const attempts = port.recorded.length
    expect(attempts).toBeGreaterThan(2)
    expect(attempts).toBeLessThan(20)
    broken = false
    expect(reads.retryParked()).toBe(1)
    await reads.idle()
    expect(confirmed).toEqual([{ dialogId: 'bad', messageId: 1, messages: 1 }])
    expect(reads.pendingDialogs).toBe(0)
  })

  it("retries a parked read on the dialog's next message", async () => {
    const { port, reads, parked, confirmed } = setup({ retry: { parkAfterMs: 0 } })
    let broken = true
    port.answer = (call) =>
      broken ? { ok: false, error: { code: 'SOMETHING_NEW', status: 400, message: 'undocumented' } } : readOk(call)
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 1 })
    await reads.idle()
    expect(parked).toHaveLength(1)
    broken = false
    reads.request({ botId: 1, dialogId: 'chat1', messageId: 2 })
    await reads.idle()
    expect(confirmed).toEqual([{ dialogId: 'chat1', messageId: 2, messages: 2 }])
  })

  it("does not slow the portal for one dialog's repeated failures: only its first failure is a portal signal", async () => {
    const { port, reads, reports } = setup({ retry: { parkAfterMs: 800 } })
    port.answer = (call) =>
      call.params.dialogId === 'bad'
        ? { ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'Internal error' } }
        : readOk(call)
    reads.request({ botId: 1, dialogId: 'bad', messageId: 1 })
    await reads.idle()
    const badCalls = port.recorded.length
    expect(badCalls).toBeGreaterThan(3)
    expect(reports.filter((r) => r.failed)).toHaveLength(1)
  })

  it('settles every dialog and gives the slot back when an observer throws', async () => {
    const { port, reads, gate, confirmed, logs } = setup({ throwOnConfirm: true })
    port.hold()
    reads.request({ botId: 1, dialogId: 'a', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const d of ['b', 'c']) reads.request({ botId: 1, dialogId: d, messageId: 1 })
    port.release()
    await reads.idle()
    expect(confirmed.map((c) => c.dialogId)).toEqual(['a', 'b', 'c'])
    expect(gate.snapshot().inFlight).toBe(0)
    expect(logs.lines.some((l) => l.includes('a read observer threw'))).toBe(true)
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

  it('lets the other dialogs go while a failed dialog waits out its own backoff', async () => {
    // A portal with budget to spare: the pacing rule sends at once, so only the backoff decides the order.
    const { port, reads } = setup({ burst: 1_000, perSec: 1_000 })
    let failed = false
    port.answer = (call) => {
      if (call.params.dialogId === 'first' && !failed) {
        failed = true
        return { ok: false, error: { code: 'SOMETHING_NEW', status: 400, message: 'A code nobody documented' } }
      }
      return readOk(call)
    }
    port.hold()
    reads.request({ botId: 1, dialogId: 'first', messageId: 1 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    for (const d of ['second', 'third']) reads.request({ botId: 1, dialogId: d, messageId: 1 })
    port.release()
    await reads.idle()
    expect(sentIds(port).map(([d]) => d)).toEqual(['first', 'second', 'third', 'first'])
  })

  it("gives a read dialog's slot to the next new dialog without mixing their ids, traces or watermarks", async () => {
    const { port, reads, logs } = setup()
    reads.request({ botId: 1, dialogId: 'first', messageId: 5, trace: { reqId: 'req-a' } })
    await reads.idle()
    reads.request({ botId: 1, dialogId: 'second', messageId: 3, trace: { reqId: 'req-b' } })
    reads.request({ botId: 1, dialogId: 'first', messageId: 4 })
    await reads.idle()
    expect(reads.pendingDialogs).toBe(0)
    expect(sentIds(port)).toEqual([
      ['first', 5],
      ['second', 3],
    ])
    expect([reads.confirmedId(1, 'first'), reads.confirmedId(1, 'second')]).toEqual([5, 3])
    const read = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'message read')
    expect(read.map((l) => [l.dialogId, l.messageId, l.reqId])).toEqual([
      ['first', 5, 'req-a'],
      ['second', 3, 'req-b'],
    ])
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
