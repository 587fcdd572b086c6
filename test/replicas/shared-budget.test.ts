import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { describeRedis } from '../support/redis-server.js'
import { type Replicas, startReplicas } from '../support/replicas.js'

describeRedis('three replicas share one rate budget per portal through Redis', () => {
  let world: Replicas
  // The portal's real limits, and the same figures for every replica: no dividing by the number of replicas.
  const limits = { burst: 6, drainPerSec: 6 }

  beforeAll(async () => {
    world = await startReplicas({
      count: 3,
      portal: limits,
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
    expect(stats.rejected503).toBe(0)
    expect(stats.regressions).toBe(0)
    expect(stats.peakBucketLevel).toBeLessThanOrEqual(limits.burst)
    // The replicas did wait for each other's requests at the shared limiter.
    const metrics = await Promise.all(world.replicas.map((r) => r.metrics.render()))
    expect(metrics.join('\n')).toMatch(/b24_autoread_shared_limiter_waits_total [1-9]/)
  })
})
