import { afterEach, describe, expect, it } from 'vitest'
import { type Portal, startPortal } from '../src/index.js'
import { LeakyBucket } from '../src/leaky-bucket.js'
import { OperatingTimeTracker } from '../src/operating-time.js'
import { closeChecked } from './support/close-checked.js'
import { callHook } from './support/portal-client.js'

describe('LeakyBucket', () => {
  it('refuses the request that would go over the burst, then drains at the rate', () => {
    let now = 0
    const bucket = new LeakyBucket(5, 2, () => now)
    expect([1, 2, 3, 4, 5, 6].map(() => bucket.tryTake())).toEqual([true, true, true, true, true, false])
    now += 499
    expect(bucket.tryTake()).toBe(false)
    now += 1
    expect(bucket.tryTake()).toBe(true)
    expect(bucket.peak()).toBe(5)
  })

  it('does not go below zero while idle', () => {
    let now = 0
    const bucket = new LeakyBucket(2, 1, () => now)
    bucket.tryTake()
    now += 60_000
    expect(bucket.level()).toBe(0)
  })
})

describe('OperatingTimeTracker', () => {
  it('sums one-minute baskets over ten minutes and reports when the oldest expires', () => {
    let now = 1_000_000 * 60_000
    const tracker = new OperatingTimeTracker(10, () => now)
    tracker.charge('m', 6)
    now += 3 * 60_000
    tracker.charge('M', 5)
    expect(tracker.snapshot('m')).toEqual({ operating: 11, resetAt: (1_000_000 + 10) * 60 })
    expect(tracker.isBlocked('m')).toBe(true)
    expect(tracker.isBlocked('other')).toBe(false)
    now += 7 * 60_000
    expect(tracker.snapshot('m')).toEqual({ operating: 5, resetAt: (1_000_003 + 10) * 60 })
    expect(tracker.isBlocked('m')).toBe(false)
  })
})

describe('portal limits', () => {
  let portal: Portal
  afterEach(() => closeChecked(portal))

  it('answers exactly one of six rapid requests 503 with burst 5, and accepts again after draining', async () => {
    let now = 0
    portal = await startPortal({ burst: 5, drainPerSec: 2, clock: () => now })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await callHook(portal, 'imbot.v2.Revision.get')).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503])
    const refused = portal.requests.at(-1)
    expect(refused).toMatchObject({ status: 503, errorCode: 'QUERY_LIMIT_EXCEEDED' })
    expect(portal.stats().rejected503).toBe(1)
    // Just under one request drains in 500 ms at 2/s: still refused; at 500 ms it is accepted.
    now += 450
    expect((await callHook(portal, 'imbot.v2.Revision.get')).status).toBe(503)
    now += 50
    expect((await callHook(portal, 'imbot.v2.Revision.get')).status).toBe(200)
  })

  it('sends the documented 503 body', async () => {
    let now = 0
    portal = await startPortal({ burst: 1, drainPerSec: 1, clock: () => now })
    await callHook(portal, 'imbot.v2.Revision.get')
    const res = await callHook(portal, 'imbot.v2.Revision.get')
    expect(res.json).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
    now += 1000
    expect((await callHook(portal, 'imbot.v2.Revision.get')).status).toBe(200)
  })

  it('counts a batch as one request for the bucket', async () => {
    portal = await startPortal({ burst: 2, drainPerSec: 0.001 })
    const cmd = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, 'imbot.v2.Revision.get']))
    const res = await callHook(portal, 'batch', { halt: 0, cmd })
    expect(res.status).toBe(200)
    expect(Math.round(portal.stats().bucketLevel)).toBe(1)
    expect(portal.stats().byMethod['imbot.v2.Revision.get']).toBe(10)
  })

  it('refuses a method over its operating limit with 429 OPERATION_TIME_LIMIT, other methods still pass', async () => {
    let now = 1_000_000 * 60_000
    portal = await startPortal({ operatingLimitS: 1, operatingCostS: 0.6, clock: () => now })
    const first = await callHook(portal, 'imbot.v2.Revision.get')
    const second = await callHook(portal, 'imbot.v2.Revision.get')
    expect(first.json).toMatchObject({ time: { operating: 0.6, operating_reset_at: (1_000_000 + 10) * 60 } })
    expect(second.json).toMatchObject({ time: { operating: 1.2 } })
    const third = await callHook(portal, 'imbot.v2.Revision.get')
    expect(third.status).toBe(429)
    expect(third.json).toEqual({ error: 'OPERATION_TIME_LIMIT', error_description: expect.any(String) })
    expect((await callHook(portal, 'server.time')).status).toBe(200)
    expect(portal.stats().rejected429).toBe(1)
    now += 10 * 60_000
    expect((await callHook(portal, 'imbot.v2.Revision.get')).status).toBe(200)
  })

  it('charges batch commands to their own methods and refuses them per command', async () => {
    portal = await startPortal({ operatingLimitS: 1, operatingCostS: (method) => (method === 'server.time' ? 2 : 0) })
    const res = await callHook(portal, 'batch', {
      halt: 0,
      cmd: { t1: 'server.time', t2: 'server.time', r: 'imbot.v2.Revision.get' },
    })
    expect(res.json).toMatchObject({
      result: {
        result: { t1: expect.any(String), r: { rest: 36 } },
        result_error: { t2: { error: 'OPERATION_TIME_LIMIT' } },
        result_time: { t1: { operating: 2 }, r: { operating: 0 } },
      },
    })
  })

  it('starts a fresh window with operating 0 and a reset ten minutes out', async () => {
    portal = await startPortal()
    const res = await callHook(portal, 'imbot.v2.Revision.get')
    const time = (res.json as { time: { operating: number; operating_reset_at: number; start: number } }).time
    expect(time.operating).toBe(0)
    expect(time.operating_reset_at - Math.floor(time.start)).toBeGreaterThanOrEqual(599)
  })
})
