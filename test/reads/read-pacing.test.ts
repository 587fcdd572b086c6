import { describe, expect, it } from 'vitest'
import { LeakyBucket } from '../../src/reads/leaky-bucket.js'
import { ArrivalRate, holdMs, idleLevel, type PacingInput, paceReads } from '../../src/reads/read-pacing.js'

const base: PacingInput = {
  now: 10_000,
  ready: 1,
  recentReady: 1,
  lastReadyAt: 10_000,
  waitingSince: 10_000,
  level: 0,
  burst: 49,
  perSec: 2,
  batchLimit: 50,
}

/**
 * Runs the pacing rule against a client-side bucket on a fake clock (1 ms steps): `arrivals` are the times (ms) new
 * dialogs become ready; returns when each request went and how many dialogs it carried.
 */
function simulate(arrivals: readonly number[], burst: number, perSec: number) {
  let now = 0
  const bucket = new LeakyBucket({ burst, perSec, now: () => now })
  const sends: Array<{ at: number; dialogs: number }> = []
  let next = 0
  let ready = 0
  let waitingSince = 0
  let lastReadyAt = 0
  const rate = new ArrivalRate()
  while (next < arrivals.length || ready > 0) {
    while (next < arrivals.length && (arrivals[next] ?? 0) <= now) {
      if (ready === 0) waitingSince = now
      rate.add(now)
      lastReadyAt = now
      ready++
      next++
    }
    for (;;) {
      const decision = paceReads({
        now,
        burst: bucket.burst,
        ready,
        recentReady: rate.perSecond(now),
        lastReadyAt,
        waitingSince,
        level: bucket.level,
        perSec,
        batchLimit: 50,
      })
      if (!decision.send || bucket.tryTake() > 0) break
      const dialogs = Math.min(ready, 50)
      ready -= dialogs
      sends.push({ at: now, dialogs })
      if (ready > 0) waitingSince = now
    }
    now++
  }
  return sends
}

/** The physical limit: the earliest time (ms) at which `n` dialogs arrived by `lastArrival` can all be read. */
function idealMs(n: number, lastArrival: number, burst: number, perSec: number): number {
  return Math.max(lastArrival, ((Math.ceil(n / 50) - burst) / perSec) * 1000)
}

describe('read pacing', () => {
  it('sends a single read at once while the portal is idle', () => {
    expect(paceReads(base)).toEqual({ send: true })
    expect(paceReads({ ...base, level: 0.5 })).toEqual({ send: true })
  })

  it('holds a partial batch while dialogs become ready faster than twice the drain, even on an idle portal', () => {
    expect(paceReads({ ...base, ready: 3, recentReady: 4 })).toEqual({ send: true })
    // Looked at again after half the hold (the batch may stop filling).
    expect(paceReads({ ...base, ready: 3, recentReady: 5 })).toEqual({ send: false, waitMs: 500 })
  })

  it('counts arrivals over a sliding second', () => {
    const rate = new ArrivalRate()
    for (let t = 0; t < 3_000; t += 10) rate.add(t)
    expect(rate.perSecond(3_000)).toBeCloseTo(100, 0)
    expect(rate.perSecond(3_500)).toBeCloseTo(50, 0)
    expect(rate.perSecond(5_000)).toBe(0)
  })

  it('sends a partial batch once nothing became ready for half the hold: it will not fill', () => {
    const busy = { ...base, ready: 10, level: 40, recentReady: 40, waitingSince: 9_900, lastReadyAt: 9_900 }
    expect(paceReads(busy)).toEqual({ send: false, waitMs: 400 })
    expect(paceReads({ ...busy, now: 10_400 })).toEqual({ send: true })
  })

  it('counts 2% of a large burst as idle, so jittery light load on Enterprise is read at once', () => {
    expect(idleLevel(49)).toBe(0.5)
    expect(idleLevel(249)).toBeCloseTo(4.48)
    expect(paceReads({ ...base, ready: 2, level: 4, burst: 249, perSec: 5 })).toEqual({ send: true })
    expect(paceReads({ ...base, ready: 2, level: 4, burst: 49 }).send).toBe(false)
  })

  it('holds a partial batch while the portal is busy, until it drains back to idle', () => {
    // Level 0.6 at 2/s is idle (0.5) in 50 ms.
    expect(paceReads({ ...base, ready: 10, level: 0.6 })).toEqual({ send: false, waitMs: 50 })
    expect(paceReads({ ...base, ready: 10, level: 0.5, now: 10_050 })).toEqual({ send: true })
  })

  it('holds a partial batch at most 2/perSec (2 s at most), then sends it', () => {
    expect(holdMs(2)).toBe(1_000)
    expect(holdMs(0.1)).toBe(2_000)
    const busy = { ...base, ready: 10, level: 40, waitingSince: 9_400, lastReadyAt: 10_000 }
    expect(paceReads({ ...busy, now: 10_390, lastReadyAt: 10_390 })).toEqual({ send: false, waitMs: 10 })
    expect(paceReads({ ...busy, now: 10_400, lastReadyAt: 10_390 })).toEqual({ send: true })
  })

  it('sends a full batch at once however busy the portal is', () => {
    expect(paceReads({ ...base, ready: 50, level: 48 })).toEqual({ send: true })
    expect(paceReads({ ...base, ready: 120, level: 48 })).toEqual({ send: true })
  })

  it('sends at once when the portal refuses batches (one dialog per request)', () => {
    expect(paceReads({ ...base, ready: 3, level: 30, batchLimit: 1 })).toEqual({ send: true })
  })

  it('waits for nothing when nothing is ready', () => {
    expect(paceReads({ ...base, ready: 0 }).send).toBe(false)
  })

  it('reaches 0.95 of the physical limit at 200 new dialogs/s for 30 s on a standard portal (50, 2/s)', () => {
    const arrivals = Array.from({ length: 6_000 }, (_, i) => i * 5)
    const sends = simulate(arrivals, 50, 2)
    const last = sends.at(-1)?.at ?? Number.NaN
    const ideal = idealMs(arrivals.length, arrivals.at(-1) ?? 0, 50, 2)
    expect(ideal).toBe(35_000)
    expect(ideal / last).toBeGreaterThanOrEqual(0.95)
    // The burst goes on full batches: one single at the start (the portal was idle), then 50 each.
    expect(sends.filter((s) => s.dialogs < 50).length).toBeLessThanOrEqual(2)
  })

  it('reads every message at once at 5 dialogs/s on Enterprise even when they come in pairs', () => {
    const arrivals = Array.from({ length: 150 }, (_, i) => Math.floor(i / 2) * 400 + (i % 2) * 5)
    const sends = simulate(arrivals, 250, 5)
    expect(sends.map((s, i) => s.at - (arrivals[i] ?? 0))).toEqual(Array(150).fill(0))
  })

  it('reads every message at once at 5 dialogs/s on an Enterprise portal (250, 5/s)', () => {
    const arrivals = Array.from({ length: 150 }, (_, i) => i * 200 + (i % 3) * 7)
    const sends = simulate(arrivals, 250, 5)
    expect(sends).toHaveLength(150)
    expect(sends.map((s, i) => s.at - (arrivals[i] ?? 0))).toEqual(Array(150).fill(0))
  })
})
