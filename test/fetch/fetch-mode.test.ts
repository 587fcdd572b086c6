import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import {
  FETCH_BOT_TOKEN,
  type FetchWorld,
  nonDecreasing,
  polledOffsets,
  startFetchWorld,
} from '../support/fetch-world.js'

let world: FetchWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

/** A handler that records the eventId of every event it sees. */
function recorder(seen: number[]): Middleware<EventContext> {
  return async (ctx, next) => {
    if (ctx.event.eventId !== undefined) seen.push(ctx.event.eventId)
    await next()
  }
}

describe('fetch mode: imbot.v2.Event.get in, reads out (real SDK, HTTPS)', () => {
  it('reads every queued message, confirms the offset only afterwards, and serves no webhook route', async () => {
    world = await startFetchWorld()
    const w = world
    const sent = ['101', '102', 'chat7', '101', 'chat7', '103'].map((dialogId) =>
      w.portal.userSends({ botId: w.botId, dialogId }),
    )
    const service = await w.start()
    for (const s of sent) {
      await vi.waitFor(() => expect(w.portal.readState(w.botId, s.dialogId).unread).toBe(0), { timeout: 10_000 })
    }
    // The next poll passes the offset past the page, and the portal drops the confirmed events.
    await vi.waitFor(() => expect(w.portal.pendingEvents(w.botId)).toBe(0), { timeout: 10_000 })
    const lastEventId = Math.max(...sent.map((s) => s.eventId ?? 0))
    expect(w.offsets.current).toBe(lastEventId + 1)

    const polls = w.portal.requests.filter((r) => r.method === 'imbot.v2.Event.get')
    expect(polls[0]?.body).toEqual({ botId: w.botId, botToken: FETCH_BOT_TOKEN, limit: 100 })
    expect(polls.at(-1)?.body).toMatchObject({ offset: lastEventId + 1 })
    expect(nonDecreasing(polledOffsets(w.portal))).toBe(true)
    expect(nonDecreasing(w.offsets.history)).toBe(true)
    // No read went out before its event was taken, and none went backwards.
    expect(w.portal.stats().regressions).toBe(0)

    const res = await fetch(`${service.url}/bitrix24/events`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(404)
    expect(w.logs.join('')).not.toContain(FETCH_BOT_TOKEN)
  })

  it('asks for the next page 2 s after one with hasMore, and never sends a lower offset after an empty answer', async () => {
    // With a 10 s idle interval, only the 2 s follow-up polls of hasMore can read 12 messages in time.
    world = await startFetchWorld({ B24_FETCH_LIMIT: '5', B24_POLL_INTERVAL_MS: '10000' })
    const w = world
    const sent = Array.from({ length: 12 }, (_, i) => w.portal.userSends({ botId: w.botId, dialogId: String(200 + i) }))
    await w.start()
    for (const s of sent) {
      await vi.waitFor(() => expect(w.portal.readState(w.botId, s.dialogId).unread).toBe(0), { timeout: 5000 })
    }
    const polls = w.portal.requests.filter((r) => r.method === 'imbot.v2.Event.get')
    expect(polls.length).toBeGreaterThanOrEqual(3)
    expect(polls.every((p) => (p.body as { limit: number }).limit === 5)).toBe(true)
    expect(nonDecreasing(polledOffsets(w.portal))).toBe(true)
  })

  it('keeps polling after an empty queue (nextOffset 0) without moving the offset back', async () => {
    world = await startFetchWorld()
    const w = world
    const first = w.portal.userSends({ botId: w.botId, dialogId: '301' })
    await w.start()
    await vi.waitFor(() => expect(w.portal.pendingEvents(w.botId)).toBe(0), { timeout: 10_000 })
    // Several empty answers (nextOffset: 0) go by before the next message.
    const before = polledOffsets(w.portal).length
    await vi.waitFor(() => expect(polledOffsets(w.portal).length).toBeGreaterThan(before + 2), { timeout: 10_000 })
    const second = w.portal.userSends({ botId: w.botId, dialogId: '301' })
    await vi.waitFor(
      () => expect(w.portal.readState(w.botId, '301')).toEqual({ lastReadId: second.messageId, unread: 0 }),
      { timeout: 10_000 },
    )
    expect(nonDecreasing(polledOffsets(w.portal))).toBe(true)
    expect(nonDecreasing(w.offsets.history)).toBe(true)
    expect(w.offsets.current).toBe((second.eventId ?? 0) + 1)
    expect(second.eventId).toBe((first.eventId ?? 0) + 1)
  })

  it('retries Event.get after 5xx answers and carries on', async () => {
    world = await startFetchWorld()
    const w = world
    w.portal.inject({ kind: '500', method: 'imbot.v2.Event.get', times: 3 })
    const sent = w.portal.userSends({ botId: w.botId, dialogId: '401' })
    await w.start()
    await vi.waitFor(() => expect(w.portal.readState(w.botId, '401').unread).toBe(0), { timeout: 8000 })
    expect(w.portal.readState(w.botId, '401').lastReadId).toBe(sent.messageId)
    const failed = w.portal.requests.filter((r) => r.method === 'imbot.v2.Event.get' && r.status === 500)
    expect(failed).toHaveLength(3)
  })

  it('backs off exponentially on a refused poll and reports it on /readyz', async () => {
    world = await startFetchWorld({ B24_BOT_TOKEN: 'not-the-bot-token-0000' })
    const w = world
    const service = await w.start()
    await vi.waitFor(async () => {
      const ready = await fetch(`${service.url}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({ reasons: ['fetch: Event.get fails with BOT_OWNERSHIP_ERROR'] })
    })
    const polls = () => w.portal.requests.filter((r) => r.method === 'imbot.v2.Event.get')
    const firstAt = polls()[0]?.at ?? 0
    // Wait for a poll a second or more after the first, then count those within that second by their arrival
    // times: a 25 ms poll interval would have made about 40.
    await vi.waitFor(() => expect(polls().some((p) => p.at >= firstAt + 1000)).toBe(true), { timeout: 20_000 })
    const inFirstSecond = polls().filter((p) => p.at < firstAt + 1000)
    expect(inFirstSecond.length).toBeGreaterThan(2)
    expect(inFirstSecond.length).toBeLessThan(15)
    // (The poll that ended the wait may still be in progress, its answer not recorded yet.)
    expect(inFirstSecond.every((p) => p.errorCode === 'BOT_OWNERSHIP_ERROR')).toBe(true)
    const lines = w.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.filter((l) => l.msg === 'fetch mode: Event.get failed, will retry')[0]).toMatchObject({
      level: 40,
      code: 'BOT_OWNERSHIP_ERROR',
      attempt: 1,
    })
  })
})

// The offset kept by the test (memory) and by the service's own state store in STATE_DIR, as in production.
describe.each(['memory', 'lmdb'] as const)('fetch mode across a restart, offset in %s', (offsetsIn) => {
  it('resumes after a restart in the middle of a page: every message read, no confirmed event processed twice', async () => {
    // The hung handler must hang until the stop, not be timed out.
    world = await startFetchWorld({ SHUTDOWN_TIMEOUT_MS: '300', HANDLER_TIMEOUT_MS: '600000' }, offsetsIn)
    const w = world
    const sent = Array.from({ length: 8 }, (_, i) => w.portal.userSends({ botId: w.botId, dialogId: String(500 + i) }))
    const ids = sent.map((s) => s.eventId ?? 0)
    const stuck = ids[2] as number
    // The first service never finishes the third event of the page: its handler hangs until the stop.
    const seenByFirst: number[] = []
    const hang: Middleware<EventContext> = async (ctx, next) => {
      if (ctx.event.eventId === stuck) await new Promise(() => {})
      await next()
    }
    const first = await w.start({ handlers: [recorder(seenByFirst), hang] })
    for (const s of sent.filter((s) => s.eventId !== stuck)) {
      await vi.waitFor(() => expect(w.portal.readState(w.botId, s.dialogId).unread).toBe(0), { timeout: 10_000 })
    }
    await first.close()
    // Everything below the stuck event is done; the stuck one and those after it are not confirmed to the portal.
    expect(await w.storedOffset()).toBe(stuck)
    expect(w.portal.readState(w.botId, sent[2]?.dialogId ?? '').unread).toBe(1)

    const seenBySecond: number[] = []
    await w.start({ handlers: [recorder(seenBySecond)] })
    await vi.waitFor(() => expect(w.portal.readState(w.botId, sent[2]?.dialogId ?? '').unread).toBe(0), {
      timeout: 10_000,
    })
    await vi.waitFor(() => expect(w.portal.pendingEvents(w.botId)).toBe(0), { timeout: 10_000 })
    for (const s of sent)
      expect(w.portal.readState(w.botId, s.dialogId)).toEqual({ lastReadId: s.messageId, unread: 0 })

    const confirmedByFirst = ids.filter((id) => id !== stuck)
    expect(seenBySecond.filter((id) => confirmedByFirst.includes(id))).toEqual([])
    expect(new Set(seenByFirst).size).toBe(seenByFirst.length)
    if (offsetsIn === 'memory') expect(nonDecreasing(w.offsets.history)).toBe(true)
    expect(nonDecreasing(polledOffsets(w.portal))).toBe(true)
    await vi.waitFor(async () => expect(await w.storedOffset()).toBe(Math.max(...ids) + 1), { timeout: 10_000 })
    expect(w.portal.stats().regressions).toBe(0)
  })
})
