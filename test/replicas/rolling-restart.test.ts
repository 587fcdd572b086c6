import { type PortalWithBot, startPortalWithBot } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { type ChildService, killAll, startService } from '../support/child-service.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

describeRedis('a rolling restart of three replicas of the real entry under steady load', () => {
  let redis: TestRedisServer
  let sim: PortalWithBot
  let env: Record<string, string>
  const children: ChildService[] = []

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendonly: true })
    sim = await startPortalWithBot({ portal: { burst: 50, drainPerSec: 2 }, dirPrefix: 'b24-rolling-' })
    env = {
      ...sim.env,
      LOG_LEVEL: 'info',
      STATE_STORE: 'redis',
      REDIS_URL: redis.url(),
      REDIS_TAKEOVER_INTERVAL_MS: '300',
      SHUTDOWN_TIMEOUT_MS: '1000',
    }
    children.push(...(await Promise.all([0, 1, 2].map(() => startService(env, 40_000)))))
  }, 60_000)
  afterAll(async () => {
    await killAll(children)
    await sim?.close()
    await redis?.dispose()
  })

  /** Posts to replica `first`, and on a refusal or a closed port to the next one, as a load balancer retries. */
  const deliver = async (event: object, first: number): Promise<boolean> => {
    const body = phpHttpBuildQuery(event)
    for (let attempt = 0; attempt < 30; attempt++) {
      const child = children[(first + attempt) % children.length]
      try {
        const res = await fetch(`${child?.url}/bitrix24/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        })
        await res.arrayBuffer()
        if (res.status === 200) return true
      } catch {
        // Connection refused: that replica is restarting.
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return false
  }

  it('loses no event and leaves no acknowledged read undone', async () => {
    const last = new Map<string, number>()
    let sending = true
    let sent = 0
    const failures: number[] = []
    const sender = (async () => {
      for (let n = 0; sending; n++) {
        const dialogId = `chat${400 + (n % 8)}`
        const message = sim.portal.userSends({ botId: sim.bot.id, dialogId })
        last.set(dialogId, message.messageId)
        if (!(await deliver(message.event, n))) failures.push(message.messageId)
        sent++
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    })()
    for (let i = 0; i < children.length; i++) {
      const old = children[i]
      old?.process.kill('SIGTERM')
      await old?.exited
      children[i] = await startService(env, 40_000)
    }
    sending = false
    await sender
    expect(failures).toEqual([])
    expect(sent).toBeGreaterThan(20)
    await vi.waitFor(
      () => {
        for (const [dialogId, id] of last) expect(sim.portal.readState(sim.bot.id, dialogId).lastReadId).toBe(id)
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(sim.portal.stats()).toMatchObject({ overlappingReads: 0, regressions: 0, rejected503: 0 })
  }, 90_000)
})
