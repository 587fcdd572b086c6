import { type PortalWithBot, startPortalWithBot } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { type ChildService, killAll, startService } from '../support/child-service.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

// The takeover bound with these settings: two sweeps, plus the lease time (request timeout + 5 s) when the dead
// replica had the read in flight, plus the read itself.
const SWEEP_MS = 300
const REQUEST_TIMEOUT_MS = 1_000
const TAKEOVER_BOUND_MS = 2 * SWEEP_MS + REQUEST_TIMEOUT_MS + 5_000 + 2_000

describeRedis('three replicas of the real entry: one SIGKILLed with reads it accepted', () => {
  let redis: TestRedisServer
  let sim: PortalWithBot
  const children: ChildService[] = []

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendonly: true })
    sim = await startPortalWithBot({ portal: { burst: 50, drainPerSec: 2 }, dirPrefix: 'b24-replica-crash-' })
    const env = {
      ...sim.env,
      LOG_LEVEL: 'info',
      STATE_STORE: 'redis',
      REDIS_URL: redis.url(),
      REDIS_TAKEOVER_INTERVAL_MS: String(SWEEP_MS),
      B24_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    }
    children.push(...(await Promise.all([0, 1, 2].map(() => startService(env, 40_000)))))
  }, 60_000)
  afterAll(async () => {
    await killAll(children)
    await sim?.close()
    await redis?.dispose()
  })

  const post = async (child: ChildService, event: object) => {
    const res = await fetch(`${child.url}/bitrix24/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: phpHttpBuildQuery(event),
    })
    return res.status
  }

  it('has every read the killed replica acknowledged done by the others within the stated bound', async () => {
    const [victim] = children
    if (victim === undefined) throw new Error('no replica')
    // The portal is away: the victim acknowledges (Redis has the reads) but cannot read yet.
    sim.portal.setDown(true)
    const last = new Map<string, number>()
    for (let d = 0; d < 30; d++) {
      const dialogId = `chat${300 + d}`
      const sent = sim.portal.userSends({ botId: sim.bot.id, dialogId })
      last.set(dialogId, sent.messageId)
      expect(await post(victim, sent.event)).toBe(200)
    }
    victim.process.kill('SIGKILL')
    await victim.exited
    const killedAt = Date.now()
    sim.portal.setDown(false)
    await vi.waitFor(
      () => {
        for (const [dialogId, id] of last) expect(sim.portal.readState(sim.bot.id, dialogId).lastReadId).toBe(id)
      },
      { timeout: TAKEOVER_BOUND_MS, interval: 100 },
    )
    expect(Date.now() - killedAt).toBeLessThan(TAKEOVER_BOUND_MS)
    expect(sim.portal.stats()).toMatchObject({ overlappingReads: 0, regressions: 0, rejected503: 0 })
    const survivors = children.slice(1).map((c) => c.printed())
    expect(survivors.join('')).toContain('pending reads taken over from the shared store')
  }, 30_000)
})
