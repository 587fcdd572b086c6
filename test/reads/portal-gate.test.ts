import { afterEach, describe, expect, it, vi } from 'vitest'
import { LeakyBucket } from '../../src/reads/leaky-bucket.js'
import { PortalGate, type Slot } from '../../src/reads/portal-gate.js'

afterEach(() => {
  vi.useRealTimers()
})

/** Acquires `n` slots of `method`, releasing each at once, and returns the fake-clock time each was granted. */
async function grantTimes(gate: PortalGate, n: number, method = 'm', report = {}): Promise<number[]> {
  const times: number[] = []
  const pending = Array.from({ length: n }, () =>
    gate.acquire(method).then((slot: Slot) => {
      times.push(Date.now())
      slot.done(report)
    }),
  )
  await vi.advanceTimersByTimeAsync(120_000)
  await Promise.all(pending)
  return times
}

describe('leaky bucket', () => {
  it('allows the burst less one request of headroom at once, then one request per 1/rate seconds', () => {
    let now = 0
    const bucket = new LeakyBucket({ burst: 4, perSec: 2, now: () => now })
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([0, 0, 0])
    expect(bucket.tryTake()).toBe(500)
    now = 500
    expect(bucket.tryTake()).toBe(0)
    bucket.fill()
    expect(bucket.available).toBe(0)
  })
})

describe('portal gate', () => {
  it('lets the burst through at once and then paces requests at the drain rate', async () => {
    vi.useFakeTimers({ now: 0 })
    const gate = new PortalGate({ burst: 6, perSec: 2, maxInFlight: 10 })
    const times = await grantTimes(gate, 9)
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0])
    expect(times.slice(5)).toEqual([500, 1000, 1500, 2000])
  })

  it('never has more requests in flight than allowed', async () => {
    vi.useFakeTimers({ now: 0 })
    const gate = new PortalGate({ burst: 50, perSec: 2, maxInFlight: 2 })
    const slots: Slot[] = []
    for (let i = 0; i < 4; i++) void gate.acquire('m').then((s) => slots.push(s))
    await vi.advanceTimersByTimeAsync(10)
    expect(slots).toHaveLength(2)
    expect(gate.snapshot()).toMatchObject({ inFlight: 2, waiting: 2 })
    slots[0]?.done()
    await vi.advanceTimersByTimeAsync(10)
    expect(slots).toHaveLength(3)
  })

  it('empties the bucket and cools down after a 503, then recovers', async () => {
    vi.useFakeTimers({ now: 0 })
    const gate = new PortalGate({ burst: 50, perSec: 2, maxInFlight: 1, random: () => 0 })
    const first = await gate.acquire('m')
    first.done({ rateLimited: true })
    let granted = -1
    void gate.acquire('m').then((s) => {
      granted = Date.now()
      s.done()
    })
    await vi.advanceTimersByTimeAsync(999)
    expect(granted).toBe(-1)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(granted).toBeGreaterThanOrEqual(1_000)
    expect(gate.snapshot().tokens).toBeLessThan(50)
  })

  it('holds a method until operating_reset_at after OPERATION_TIME_LIMIT while other methods go on', async () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const gate = new PortalGate({ burst: 50, perSec: 2, maxInFlight: 4 })
    const resetAt = 1_000_000 / 1000 + 30
    const slot = await gate.acquire('heavy')
    slot.done({
      times: [{ method: 'heavy', time: { operating: 100, operatingResetAt: resetAt } }],
      operatingBlocked: ['heavy'],
    })
    const order: string[] = []
    void gate.acquire('heavy').then((s) => {
      order.push(`heavy@${Date.now() - 1_000_000}`)
      s.done()
    })
    void gate.acquire('light').then((s) => {
      order.push(`light@${Date.now() - 1_000_000}`)
      s.done()
    })
    await vi.advanceTimersByTimeAsync(40_000)
    expect(order).toEqual(['light@0', 'heavy@31000'])
  })

  it('spaces out a method whose operating time nears the budget and holds it at the budget', async () => {
    vi.useFakeTimers({ now: 0 })
    const sequential = async (gate: PortalGate, operating: number, resetAt?: number) => {
      const times: number[] = []
      for (let i = 0; i < 3; i++) {
        const slot = gate.acquire('m')
        await vi.advanceTimersByTimeAsync(60_000)
        times.push(Date.now())
        ;(await slot).done({
          times: [{ method: 'm', time: { operating, ...(resetAt ? { operatingResetAt: resetAt } : {}) } }],
        })
      }
      return times.map((t) => t - (times[0] ?? 0))
    }
    const calm = await sequential(new PortalGate({ burst: 50, perSec: 100, maxInFlight: 4 }), 100)
    expect(calm).toEqual([0, 60_000, 120_000])
    const gate = new PortalGate({ burst: 50, perSec: 100, maxInFlight: 4, operatingLimitS: 480 })
    const slot = await gate.acquire('m')
    slot.done({ times: [{ method: 'm', time: { operating: 432 } }] })
    let granted = -1
    const start = Date.now()
    void gate.acquire('m').then((s) => {
      granted = Date.now() - start
      s.done()
    })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(granted).toBeGreaterThanOrEqual(2_000)
    expect(granted).toBeLessThanOrEqual(5_000)
    const held = new PortalGate({ burst: 50, perSec: 100, maxInFlight: 4, operatingLimitS: 480 })
    const first = await held.acquire('m')
    const resetAt = Math.floor(Date.now() / 1000) + 50
    first.done({ times: [{ method: 'm', time: { operating: 476, operatingResetAt: resetAt } }] })
    let heldAt = -1
    void held.acquire('m').then((s) => {
      heldAt = Date.now()
      s.done()
    })
    await vi.advanceTimersByTimeAsync(45_000)
    expect(heldAt).toBe(-1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(heldAt).toBeGreaterThanOrEqual(resetAt * 1000)
  })
})

describe('portal gate: calls before reads, and their reserve', () => {
  it('grants a waiting call before reads that waited longer', async () => {
    vi.useFakeTimers({ now: 0 })
    const gate = new PortalGate({ burst: 2, perSec: 2, maxInFlight: 10 })
    const order: string[] = []
    const take = (name: string, kind: 'call' | 'read') =>
      gate.acquire(name, kind).then((slot) => {
        order.push(name)
        slot.done()
      })
    await take('first', 'read')
    const waiting = [take('read-1', 'read'), take('read-2', 'read'), take('call', 'call')]
    await vi.advanceTimersByTimeAsync(2_000)
    await Promise.all(waiting)
    expect(order).toEqual(['first', 'call', 'read-1', 'read-2'])
  })

  it('leaves the reserve to calls while calls were made recently, and lends it to reads after', async () => {
    vi.useFakeTimers({ now: 0 })
    const gate = new PortalGate({ burst: 11, perSec: 0.001, maxInFlight: 100, reserve: 4, reserveHeldMs: 60_000 })
    ;(await gate.acquire('im.message.add', 'call')).done()
    let reads = 0
    for (let i = 0; i < 20; i++) void gate.acquire('read', 'read').then(() => reads++)
    await vi.advanceTimersByTimeAsync(1)
    // 10 of the burst (one of headroom), one used by the call, 4 kept: 5 reads.
    expect(reads).toBe(5)
    await vi.advanceTimersByTimeAsync(58_000)
    expect(reads).toBe(5)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(reads).toBe(9)
  })

  it('still grants calls from the reserve while reads wait', async () => {
    vi.useFakeTimers({ now: 0 })
    const gate = new PortalGate({ burst: 11, perSec: 0.001, maxInFlight: 100, reserve: 4 })
    ;(await gate.acquire('im.message.add', 'call')).done()
    for (let i = 0; i < 20; i++) void gate.acquire('read', 'read')
    let calls = 0
    for (let i = 0; i < 4; i++) void gate.acquire('im.message.add', 'call').then(() => calls++)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toBe(4)
  })
})
