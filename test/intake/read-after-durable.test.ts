/**
 * A read goes to the portal only once its pending mark is stored. Sent earlier, the portal could confirm it, the
 * process die before the write commits, and the restart replay an older stored mark: the dialog read backwards
 * (the crash test's regressions under load).
 */

import { messageAddEvent, phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { onePortal } from '../../src/reads/portal-registry.js'
import { buildService } from '../../src/service.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import type { DialogMark } from '../../src/store/state-store.js'
import { BUILT_BOT } from '../support/build.js'
import { fakePort } from '../support/fake-port.js'

/** A memory store whose pending writes commit only when the test says so (or fail). */
class HeldStore extends MemoryStore {
  readonly held: Array<{ commit: () => void; fail: (err: Error) => void }> = []
  override async savePending(mark: DialogMark): Promise<void> {
    await new Promise<void>((resolve, reject) => this.held.push({ commit: resolve, fail: reject }))
    await super.savePending(mark)
  }
}

async function world() {
  const env = {
    B24_WEBHOOK_URL: 'https://fake.bitrix24.test/rest/1/webhook-secret-build/',
    B24_BOT_ID: String(BUILT_BOT.id),
    B24_BOT_TOKEN: BUILT_BOT.botToken,
    B24_APPLICATION_TOKEN: BUILT_BOT.applicationToken,
    STATE_STORE: 'memory',
  }
  const store = new HeldStore()
  const port = fakePort()
  const handled: number[] = []
  const service = await buildService(loadConfig(env), {
    log: pino({ level: 'silent' }),
    store,
    portals: onePortal(port),
    handlers: [
      async (ctx, next) => {
        if (ctx.event.type === 'ONIMBOTV2MESSAGEADD') handled.push(ctx.event.message.id)
        await next()
      },
    ],
    metrics: createMetrics({ processMetrics: false }),
  })
  onTestFinished(() => service.close())
  const post = (messageId: number) =>
    service.app.inject({
      method: 'POST',
      url: '/bitrix24/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: phpHttpBuildQuery(
        messageAddEvent({ applicationToken: BUILT_BOT.applicationToken, dialogId: 'chat5', messageId }),
      ),
    })
  const reads = () => port.recorded.filter((r) => r.kind === 'call' && r.call.method.endsWith('.Message.read'))
  return { store, post, handled, reads }
}

/** Lets timers, I/O callbacks and promise jobs run a few rounds. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('read after durability', () => {
  it('runs the handlers at once but sends the read only after the pending mark is stored', async () => {
    const { store, post, handled, reads } = await world()
    const answer = post(41)
    await vi.waitFor(() => expect(store.held).toHaveLength(1))
    await vi.waitFor(() => expect(handled).toEqual([41]))
    await settle()
    expect(reads()).toEqual([])
    store.held[0]?.commit()
    expect((await answer).statusCode).toBe(200)
    await vi.waitFor(() => expect(reads()).toHaveLength(1))
  })

  it('sends no read for an event whose write failed (it got a 503 and comes again)', async () => {
    const { store, post, handled, reads } = await world()
    const answer = post(42)
    await vi.waitFor(() => expect(store.held).toHaveLength(1))
    await vi.waitFor(() => expect(handled).toEqual([42]))
    store.held[0]?.fail(new Error('disk full'))
    expect((await answer).statusCode).toBe(503)
    await settle()
    expect(reads()).toEqual([])
  })
})
