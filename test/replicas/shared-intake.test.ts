import { type PortalWithBot, startPortalWithBot } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { RedisStore } from '../../src/store/redis-store.js'
import { memoryLogLines } from '../support/fake-port.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const READ = 'imbot.v2.Chat.Message.read'

describeRedis('two replicas sharing intake through one redis-server (STATE_STORE=redis)', () => {
  let redis: TestRedisServer
  let sim: PortalWithBot
  const replicas: RunningService[] = []
  const logs: string[][] = []

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendonly: true, password: 'redis-pw-4c1f9e' })
    sim = await startPortalWithBot({ portal: { burst: 50, drainPerSec: 2 }, dirPrefix: 'b24-replicas-' })
    for (let i = 0; i < 2; i++) {
      const sink = memoryLogLines()
      logs.push(sink.lines)
      const env = { ...sim.env, LOG_LEVEL: 'debug', STATE_STORE: 'redis', REDIS_URL: redis.url() }
      replicas.push(await startService({ env, logDestination: sink }))
    }
  })
  afterAll(async () => {
    for (const replica of replicas) await replica.close()
    await sim?.close()
    await redis?.dispose()
  })

  const post = async (replica: RunningService, event: object) => {
    const res = await fetch(`${replica.url}/bitrix24/events`, {
      method: 'POST',
      headers: FORM,
      body: phpHttpBuildQuery(event),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const readyz = async (replica: RunningService) => {
    const res = await fetch(`${replica.url}/readyz`)
    return { status: res.status, text: await res.text() }
  }
  const [a, b] = [() => replicas[0] as RunningService, () => replicas[1] as RunningService]

  it('accepts the same event delivered to both replicas at the same moment once, and reads it once', async () => {
    const sent = sim.portal.userSends({ botId: sim.bot.id, dialogId: 'chat1' })
    const answers = await Promise.all([post(a(), sent.event), post(b(), sent.event)])
    expect(answers.map((r) => r.status)).toEqual([200, 200])
    expect(answers.map((r) => r.body.outcome).sort()).toEqual(['accepted', 'duplicate'])
    await vi.waitFor(() => expect(sim.portal.readState(sim.bot.id, 'chat1').unread).toBe(0))
    await Promise.all([a().idle(), b().idle()])
    expect(sim.portal.stats().byMethod[READ]).toBe(1)
  })

  it('refuses events with 503 STORE_UNAVAILABLE while Redis is down, says why on /readyz, and carries on after', async () => {
    await redis.kill()
    const lost = sim.portal.userSends({ botId: sim.bot.id, dialogId: 'chat2' })
    await vi.waitFor(async () => expect((await readyz(a())).status).toBe(503))
    expect((await readyz(a())).text).toContain('Redis is unreachable')
    const refused = await post(a(), lost.event)
    expect(refused).toMatchObject({ status: 503, body: { error: 'STORE_UNAVAILABLE' } })

    await redis.start()
    for (const replica of [a(), b()]) {
      await vi.waitFor(async () => expect((await readyz(replica)).status).toBe(200), { timeout: 10_000 })
    }
    // The sender retries the refused event on the other replica, as a load balancer would.
    expect(await post(b(), lost.event)).toMatchObject({ body: { outcome: 'accepted' } })
    await vi.waitFor(() => expect(sim.portal.readState(sim.bot.id, 'chat2').unread).toBe(0))
    const printed = logs.flat().join('')
    expect(printed).toContain('Redis connection lost')
    expect(printed).not.toContain('redis-pw-4c1f9e')
  })

  it('keeps what was acknowledged when Redis is killed and restarted with the append-only file on', async () => {
    sim.portal.setDown(true)
    const sent = sim.portal.userSends({ botId: sim.bot.id, dialogId: 'chat3' })
    expect((await post(a(), sent.event)).body.outcome).toBe('accepted')
    await redis.restart('kill')
    const store = await RedisStore.open({ url: redis.url() })
    try {
      expect(await store.sharedPendingReads()).toContainEqual({
        botId: sim.bot.id,
        dialogId: 'chat3',
        messageId: sent.messageId,
      })
    } finally {
      await store.close()
    }
    await vi.waitFor(async () => expect((await readyz(b())).status).toBe(200), { timeout: 10_000 })
    expect((await post(b(), sent.event)).body.outcome).toBe('duplicate')
    sim.portal.setDown(false)
    await vi.waitFor(() => expect(sim.portal.readState(sim.bot.id, 'chat3').unread).toBe(0), { timeout: 15_000 })
  })
})
