import { pino } from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { PortalGate } from '../../src/reads/portal-gate.js'
import { imbotV2Read } from '../../src/reads/read-method.js'
import { ReadScheduler } from '../../src/reads/read-scheduler.js'
import { fakePort } from '../support/fake-port.js'

/** A scheduler on a held fake port with a hand-driven clock, reporting each confirmation's lag and messages. */
function setup() {
  let clock = 1_000
  const port = fakePort()
  const gate = new PortalGate({ burst: 100, perSec: 100, maxInFlight: 4 })
  const confirmed: Array<{ messageId: number; lagMs: number; messages: number }> = []
  const reads = new ReadScheduler({
    port,
    gate,
    readMethod: imbotV2Read('bot-token-lag-test'),
    log: pino({ level: 'silent' }),
    maxPendingDialogs: 100,
    now: () => clock,
    observers: [{ onConfirmed: (t, info) => confirmed.push({ messageId: t.messageId, ...info }) }],
  })
  const at = (ms: number) => {
    clock = ms
  }
  return { port, gate, reads, confirmed, at }
}

describe('read lag (b24_autoread_read_lag_seconds)', () => {
  it('measures a follow-up read from the receipt of the oldest message it covers, not from the previous answer', async () => {
    const { port, gate, reads, confirmed, at } = setup()
    port.hold()
    reads.request({ botId: 7, dialogId: 'chat1', messageId: 10, receivedAt: 1_000 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    // Two messages arrive while the first read is in flight; the follow-up covers both.
    at(1_200)
    reads.request({ botId: 7, dialogId: 'chat1', messageId: 11, receivedAt: 1_200 })
    at(1_300)
    reads.request({ botId: 7, dialogId: 'chat1', messageId: 12, receivedAt: 1_300 })
    at(2_000)
    port.release()
    await reads.idle()
    expect(confirmed).toEqual([
      { messageId: 10, lagMs: 1_000, messages: 1 },
      { messageId: 12, lagMs: 800, messages: 2 },
    ])
    gate.close()
  })

  it('keeps measuring from the oldest message when a read is retried', async () => {
    const { port, gate, reads, confirmed, at } = setup()
    let fail = true
    port.answer = (call) => {
      if (fail) {
        fail = false
        return { ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: '' } }
      }
      return { ok: true, result: { lastId: call.params.messageId, counter: 0 }, time: {} }
    }
    port.hold()
    reads.request({ botId: 7, dialogId: 'chat2', messageId: 20, receivedAt: 1_000 })
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    at(1_500)
    reads.request({ botId: 7, dialogId: 'chat2', messageId: 21, receivedAt: 1_500 })
    at(3_000)
    port.release()
    await reads.idle()
    expect(confirmed).toEqual([{ messageId: 21, lagMs: 2_000, messages: 2 }])
    gate.close()
  })
})
