/** The fetch-mode poller against a fake port: pages in order, the offset that confirms them, errors, refusals. */

import { messageAddEvent } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { RestCall, RestOutcome } from '../../src/bitrix/port.js'
import type { BotEvent, UnknownEvent } from '../../src/events/types.js'
import type { Acceptance } from '../../src/intake/accept-event.js'
import { EVENT_GET, FetchPoller, MORE_PAGES_GAP_MS } from '../../src/intake/fetch-poller.js'
import { FetchProgress } from '../../src/intake/fetch-progress.js'
import { PortalGate } from '../../src/reads/portal-gate.js'
import type { OffsetStore } from '../../src/store/offset-store.js'
import { fakePort, readOk } from '../support/fake-port.js'
import { MemoryOffsetStore } from '../support/memory-offset-store.js'

const log = pino({ level: 'silent' })
/** Waits for `check` to pass, checking every millisecond. */
const until = (check: () => void) => vi.waitFor(check, { interval: 1, timeout: 5_000 })
const TIME = { operating: 0 } as const

/** A queued fetch event: a new message with `messageId`, or a malformed one. */
const queued = (eventId: number, messageId: number | 'malformed') => ({
  eventId,
  type: 'ONIMBOTV2MESSAGEADD',
  date: new Date().toISOString(),
  data: messageId === 'malformed' ? { x: 1 } : messageAddEvent({ messageId }).data,
})

const page = (events: ReturnType<typeof queued>[], nextOffset: number, hasMore = false): RestOutcome => ({
  ok: true,
  result: { events, nextOffset, hasMore },
  time: TIME,
})

/**
 * A poller whose portal answers `Event.get` from `answers` (then an empty page); intake records each event and
 * finishes it at once, or throws while `refuse` says so.
 */
function setup(
  answers: RestOutcome[],
  refuse: (eventId: number | undefined) => boolean = () => false,
  pollIntervalMs = 1,
  store?: OffsetStore,
) {
  const port = fakePort()
  const answeredAt: number[] = []
  port.answer = (call: RestCall) => {
    if (call.method !== EVENT_GET) return readOk(call)
    answeredAt.push(Date.now())
    return answers.shift() ?? page([], 0)
  }
  const offsets = new MemoryOffsetStore()
  // Every read counts as confirmed, so an event is done once the pipeline has processed it.
  const progress = new FetchProgress({ store: store ?? offsets, confirmedId: () => Number.MAX_SAFE_INTEGER, log })
  const fed: number[] = []
  const accept = async (event: BotEvent | UnknownEvent): Promise<Acceptance> => {
    if (event.type === 'unknown') return { outcome: 'ignored', reason: 'unknown-event' }
    if (refuse(event.eventId)) throw new Error('intake is full')
    fed.push(event.eventId ?? 0)
    queueMicrotask(() => progress.onProcessed(event))
    return { outcome: 'accepted' }
  }
  const observer = { polled: vi.fn<(ok: boolean, events: number) => void>() }
  const poller = new FetchPoller({
    port,
    gate: new PortalGate({ burst: 1_000, perSec: 1_000, maxInFlight: 4 }),
    botId: 456,
    botToken: 'fetch-token-unit-1234',
    limit: 10,
    pollIntervalMs,
    progress,
    accept,
    log,
    observer,
    random: () => 0,
  })
  onTestFinished(() => poller.stop())
  const polls = () =>
    port.recorded.flatMap((r) => (r.kind === 'call' && r.call.method === EVENT_GET ? [r.call.params] : []))
  return { poller, fed, offsets, observer, polls, answeredAt }
}

describe('fetch poller', () => {
  it('feeds a page to intake in order and confirms it with the offset of the next poll', async () => {
    const { poller, fed, offsets, polls } = setup([page([queued(10, 100), queued(11, 101)], 12)])
    poller.start()
    await until(() => expect(polls().some((p) => p.offset === 12)).toBe(true))
    expect(fed).toEqual([10, 11])
    expect(polls()[0]).toEqual({ botId: 456, limit: 10, botToken: 'fetch-token-unit-1234' })
    expect(offsets.current).toBe(12)
  })

  it('confirms to the portal only an offset the store has saved (the events below it leave the queue)', async () => {
    const failing: OffsetStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error('the disk is full')
      },
    }
    const { poller, fed, polls } = setup([page([queued(1, 11), queued(2, 12)], 3)], () => false, 1, failing)
    poller.start()
    await until(() => expect(polls().length).toBeGreaterThanOrEqual(3))
    expect(fed).toEqual([1, 2])
    for (const params of polls()) expect(params).not.toHaveProperty('offset')
  })

  it('skips a malformed event without holding back the offset', async () => {
    const { poller, fed, polls } = setup([page([queued(20, 'malformed'), queued(21, 210)], 22)])
    poller.start()
    await until(() => expect(polls().some((p) => p.offset === 22)).toBe(true))
    expect(fed).toEqual([21])
  })

  it('reports a failing Event.get for readiness until a poll succeeds again', async () => {
    const denied: RestOutcome = { ok: false, error: { code: 'ACCESS_DENIED', status: 403, message: 'denied' } }
    const { poller, fed, observer } = setup([denied, page([queued(30, 300)], 31)])
    poller.start()
    await until(() => expect(observer.polled).toHaveBeenCalledWith(false, 0))
    await until(() => expect(fed).toEqual([30]))
    expect(poller.lastError).toBeUndefined()
  })

  it('keeps the offset below an event intake refused, and feeds that event again', async () => {
    let refusals = 1
    const answers = [page([queued(40, 400), queued(41, 401)], 42), page([queued(41, 401)], 42)]
    const { poller, fed, polls } = setup(answers, (id) => id === 41 && refusals-- > 0)
    poller.start()
    await until(() => expect(polls().some((p) => p.offset === 42)).toBe(true))
    expect(fed).toEqual([40, 41])
    // The poll after the refusal confirms 40 only: 41 is asked for again.
    expect(polls()[1]).toMatchObject({ offset: 41 })
  })

  it('stops at once while it waits for the next poll', async () => {
    const { poller, polls } = setup([], () => false, 60_000)
    poller.start()
    await until(() => expect(polls()).toHaveLength(1))
    // The idle wait is a minute: stop() resolving now means the loop was woken and has ended.
    await poller.stop()
    expect(polls()).toHaveLength(1)
  })

  it('waits at least 2 s after a page with hasMore before it asks for the next one', async () => {
    const more = [page([queued(50, 500)], 51, true), page([queued(51, 510)], 52, true), page([queued(52, 520)], 53)]
    const { poller, fed, answeredAt } = setup(more)
    poller.start()
    await vi.waitFor(() => expect(fed).toEqual([50, 51, 52]), { interval: 10, timeout: 15_000 })
    expect(MORE_PAGES_GAP_MS).toBe(2_000)
    const gaps = answeredAt.slice(1, 3).map((at, i) => at - (answeredAt[i] ?? at))
    // Timers may fire up to a millisecond early against Date.now's rounding.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MORE_PAGES_GAP_MS - 1)
  }, 20_000)
})
