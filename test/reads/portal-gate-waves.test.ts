import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortalGate, type Slot } from '../../src/reads/portal-gate.js'

afterEach(() => {
  vi.useRealTimers()
})

/** Takes `n` slots at once (all in flight together). */
async function inFlight(gate: PortalGate, n: number): Promise<Slot[]> {
  return Promise.all(Array.from({ length: n }, () => gate.acquire('m')))
}

/** When the next slot is granted, from now (fake clock). */
async function nextGrantAfter(gate: PortalGate): Promise<{ slot: Slot; waitedMs: number }> {
  const start = Date.now()
  let granted: Slot | undefined
  void gate.acquire('m').then((slot) => {
    granted = slot
  })
  for (let i = 0; i < 200 && granted === undefined; i++) await vi.advanceTimersByTimeAsync(50)
  if (granted === undefined) throw new Error('no slot within 10 s')
  return { slot: granted, waitedMs: Date.now() - start }
}

describe('portal gate backoff waves', () => {
  it.each([
    ['failures', { failed: true }, 250],
    ['503 rate answers', { rateLimited: true }, 1_000],
  ])('counts %s of requests in flight together as one backoff step', async (_name, report, base) => {
    vi.useFakeTimers({ now: 0 })
    // random() = 1: every delay is its ceiling, base * 2^step.
    const gate = new PortalGate({ burst: 1_000, perSec: 1_000, maxInFlight: 8, random: () => 1 })
    for (const slot of await inFlight(gate, 8)) slot.done(report)
    const first = await nextGrantAfter(gate)
    expect(first.waitedMs).toBeLessThanOrEqual(base + 50)
    // The probe after the cooldown fails too: now one step up, not eight.
    first.slot.done(report)
    const second = await nextGrantAfter(gate)
    expect(second.waitedMs).toBeGreaterThan(base + 50)
    expect(second.waitedMs).toBeLessThanOrEqual(2 * base + 50)
    second.slot.done({})
    gate.close()
  })
})
