/**
 * The real service (real SDK, HTTPS, LMDB store) against a simulated portal that misbehaves: every acknowledged
 * message must still end up read, retries must stay spaced out, and no dialog may be read backwards.
 */
import type { FaultKind } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startWorld, type World } from '../support/service.js'

const READ = 'imbot.v2.Chat.Message.read'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

async function start(options: Parameters<typeof startWorld>[0] = {}): Promise<World> {
  world = await startWorld({ ...options, env: { STATE_STORE: 'lmdb', LOG_LEVEL: 'debug', ...options.env } })
  return world
}

/** A user writes in `dialogId`; the event is delivered to the service, which must acknowledge it. */
async function userWrites(w: World, dialogId: string): Promise<{ dialogId: string; messageId: number }> {
  const sent = w.portal.userSends({ botId: w.botId, dialogId })
  const delivery = await w.portal.deliver(sent.event, `${w.service.url}/bitrix24/events`)
  expect(delivery.status).toBe(200)
  return { dialogId, messageId: sent.messageId }
}

/** Requests that carried a read (direct calls and batches), including dropped ones. */
function readRequests(w: World): number {
  return w.portal.requests.filter((r) => r.method === READ || r.method === 'batch').length
}

async function expectAllRead(
  w: World,
  acked: ReadonlyArray<{ dialogId: string; messageId: number }>,
  timeout = 15_000,
) {
  await vi.waitFor(
    () => {
      for (const { dialogId, messageId } of acked) {
        const state = w.portal.readState(w.botId, dialogId)
        expect(state.lastReadId, dialogId).toBeGreaterThanOrEqual(messageId)
        expect(state.unread, dialogId).toBe(0)
      }
    },
    { timeout, interval: 50 },
  )
  await w.service.reads.flush(timeout)
  expect(w.portal.stats().regressions).toBe(0)
  expect(w.portal.internalErrors).toEqual([])
  await vi.waitFor(() => expect(w.service.store.pendingReads()).toEqual([]), { timeout: 2_000 })
}

const logLines = (w: World) => w.logs.map((line) => JSON.parse(line) as Record<string, unknown>)

describe('portal faults: every acknowledged message is still read', () => {
  it.each<[FaultKind, number, Record<string, string>]>([
    ['500', 3, {}],
    ['502-html', 3, {}],
    ['503', 2, {}],
    ['drop', 3, {}],
    ['drop-after', 2, {}],
    ['slow', 2, { B24_REQUEST_TIMEOUT_MS: '400' }],
  ])('after %s answers (%i in a row)', async (kind, times, env) => {
    const w = await start({ env })
    w.portal.inject({ kind, times, delayMs: 1_200 })
    const acked = [
      await userWrites(w, 'chat1'),
      await userWrites(w, 'chat2'),
      await userWrites(w, 'chat1'),
      await userWrites(w, '31'),
    ]
    await expectAllRead(w, acked)
    expect(w.portal.stats().faults[kind]).toBe(times)
    // One request per fault, then at most one per dialog and one coalesced follow-up each.
    expect(readRequests(w)).toBeLessThanOrEqual(times + 2 * 3)
    const retries = logLines(w).filter((l) => l.msg === 'read failed, will retry')
    expect(retries.length).toBeGreaterThan(0)
    expect(retries.every((l) => typeof l.code === 'string' && l.level === 40)).toBe(true)
  })

  it('waits out 429 OPERATION_TIME_LIMIT until the operating window resets, without calling the method', async () => {
    // The portal's clock runs just under ten minutes behind, so its window "resets" about 5 s from now.
    const w = await start({ portal: { clock: () => Date.now() - 595_000 } })
    await expectAllRead(w, [await userWrites(w, 'chat1')])
    w.portal.inject({ kind: '429-operating', times: 1 })
    const acked = [await userWrites(w, 'chat1'), await userWrites(w, 'chat2')]
    await vi.waitFor(() => expect(w.portal.stats().faults['429-operating']).toBe(1))
    // A read granted before the 429 came back may still be on its way; from then on, nothing is sent.
    await vi.waitFor(() => expect(w.service.gate.snapshot().inFlight).toBe(0))
    const blockedAt = Date.now()
    expect(w.service.gate.snapshot().heldMethods).toEqual([READ])
    await expectAllRead(w, acked, 10_000)
    // The window resets about 5 s after the start: no read reached the portal in the 2 s after the block.
    const sentAfter = w.portal.requests.filter((r) => (r.method === READ || r.method === 'batch') && r.at >= blockedAt)
    expect(sentAfter.length).toBeGreaterThan(0)
    expect(Math.min(...sentAfter.map((r) => r.at)) - blockedAt).toBeGreaterThanOrEqual(2_000)
  })

  it('survives a portal that is down for a while: spaced-out retries, then everything is read', async () => {
    const w = await start()
    w.portal.setDown(true)
    const downAt = Date.now()
    const acked: Array<{ dialogId: string; messageId: number }> = []
    for (let i = 0; i < 20; i++) acked.push(await userWrites(w, `chat${100 + (i % 10)}`))
    // Wait for a retry 2.5 s or more into the outage; count those before it by when they arrived.
    await vi.waitFor(() => expect(w.portal.droppedAt().some((at) => at >= downAt + 2_500)).toBe(true), {
      timeout: 30_000,
      interval: 50,
    })
    const duringOutage = w.portal.droppedAt().filter((at) => at < downAt + 2_500).length
    expect(w.service.store.pendingReads()).toHaveLength(10)
    w.portal.setDown(false)
    await expectAllRead(w, acked, 20_000)
    // 10 dialogs and 20 messages over 2.5 s: a retry per message every few ms would be hundreds.
    expect(duringOutage).toBeGreaterThan(0)
    expect(duringOutage).toBeLessThanOrEqual(30)
    // After the outage the backlog goes out in batches, not one request per message.
    expect(readRequests(w)).toBeLessThanOrEqual(10)
  }, 45_000)

  it('drops the read of a dialog the bot was removed from with one clear error line, and keeps reading others', async () => {
    const w = await start()
    const doomed = w.portal.userSends({ botId: w.botId, dialogId: 'chat50' })
    w.portal.botLeaves({ botId: w.botId, dialogId: 'chat50' })
    expect((await w.portal.deliver(doomed.event, `${w.service.url}/bitrix24/events`)).status).toBe(200)
    const acked = [await userWrites(w, 'chat51')]
    await expectAllRead(w, acked)
    await w.service.reads.idle()
    const errors = logLines(w).filter((l) => (l.level as number) >= 50)
    expect(errors).toEqual([
      expect.objectContaining({
        msg: 'read dropped: the dialog is gone for the bot',
        code: 'ACCESS_DENIED',
        dialogId: 'chat50',
        messageId: doomed.messageId,
      }),
    ])
    expect(w.portal.calls.filter((c) => c.method === READ && c.params.dialogId === 'chat50')).toHaveLength(1)
    expect(w.service.store.pendingReads()).toEqual([])
  })
})
