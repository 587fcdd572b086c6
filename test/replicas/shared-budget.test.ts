import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { describeRedis } from '../support/redis-server.js'
import { type Replicas, startReplicas } from '../support/replicas.js'

describeRedis('three replicas share one rate budget per portal through Redis', () => {
  let world: Replicas
  // The portal's limits, and the same figures for every replica: no dividing by the number of replicas. A slow drain
  // keeps the test about the shared budget rather than about how late a starved test machine delivers requests.
  const limits = { burst: 6, drainPerSec: 1 }
  const latencyMs = 30

  beforeAll(async () => {
    world = await startReplicas({
      count: 3,
      portal: { ...limits, latencyMs },
      env: { B24_RATE_BURST: String(limits.burst), B24_RATE_PER_SEC: String(limits.drainPerSec) },
    })
  })
  afterAll(async () => {
    await world?.close()
  })

  it('reads a burst spread over the replicas without one rate-limit rejection at the portal', async () => {
    const { sim } = world
    const last = new Map<string, number>()
    // Each dialog's messages reach one replica here; the portal's budget is what the replicas share.
    for (let wave = 0; wave < 4; wave++) {
      const sends = []
      for (let d = 0; d < 24; d++) {
        const dialogId = `chat${d + 100}`
        const sent = sim.portal.userSends({ botId: sim.bot.id, dialogId })
        last.set(dialogId, sent.messageId)
        sends.push(world.post(d % 3, sent.event))
      }
      for (const answer of await Promise.all(sends)) expect(answer).toMatchObject({ body: { outcome: 'accepted' } })
    }
    await vi.waitFor(
      () => {
        for (const dialogId of last.keys()) expect(sim.portal.readState(sim.bot.id, dialogId).unread).toBe(0)
      },
      { timeout: 20_000, interval: 100 },
    )
    const stats = sim.portal.stats()
    const t0 = sim.portal.requests[0]?.at ?? 0
    const timeline = sim.portal.requests.map((r) => `${r.at - t0}ms ${r.method} ${r.status} ${r.commands?.length ?? 1}`)
    expect(stats.rejected503, timeline.join('\n')).toBe(0)
    expect(stats.regressions).toBe(0)
    expect(stats.peakBucketLevel).toBeLessThanOrEqual(limits.burst)
    // The replicas did wait for each other's requests at the shared limiter.
    const metrics = await Promise.all(world.replicas.map((r) => r.metrics.render()))
    expect(metrics.join('\n')).toMatch(/b24_autoread_shared_limiter_waits_total [1-9]/)
  })

  it('never reads one dialog from two replicas at once, nor below an id another replica confirmed', async () => {
    const { sim } = world
    sim.portal.reset()
    const last = new Map<string, number>()
    // A load balancer spreads one dialog's messages over every replica.
    for (let wave = 0; wave < 6; wave++) {
      const sends = []
      for (let m = 0; m < 12; m++) {
        const dialogId = `chat${200 + (m % 4)}`
        const sent = sim.portal.userSends({ botId: sim.bot.id, dialogId })
        last.set(dialogId, sent.messageId)
        sends.push(world.post((wave + m) % 3, sent.event))
      }
      for (const answer of await Promise.all(sends)) expect(answer).toMatchObject({ body: { outcome: 'accepted' } })
    }
    await vi.waitFor(
      () => {
        for (const [dialogId, id] of last) expect(sim.portal.readState(sim.bot.id, dialogId).lastReadId).toBe(id)
      },
      { timeout: 20_000, interval: 100 },
    )
    await Promise.all(world.replicas.map((r) => r.idle()))
    const stats = sim.portal.stats()
    expect(stats).toMatchObject({ overlappingReads: 0, regressions: 0, rejected503: 0 })
    const metrics = await Promise.all(world.replicas.map((r) => r.metrics.render()))
    expect(metrics.join('\n')).toMatch(/b24_autoread_read_leases_total\{outcome="taken"\} [1-9]/)
  })
})
