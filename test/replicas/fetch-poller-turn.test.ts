import { type PortalWithBot, startPortalWithBot } from '@b24-autoread/portal-sim'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { type ChildService, killAll, startService } from '../support/child-service.js'
import { nonDecreasing, polledOffsets } from '../support/fetch-world.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

// The poller lease lasts twice the takeover interval, at least 2 s (`pollerLeaseMs`); a standby asks again when the
// holder's lease lapses. The bound adds one poll interval and generous room for a loaded 2-core host.
const SWEEP_MS = 300
const POLL_MS = 100
const LEASE_MS = 2_000
const TAKEOVER_BOUND_MS = LEASE_MS + POLL_MS + 3_000
const EVENT_GET = 'imbot.v2.Event.get'

describeRedis('fetch mode, three replicas of the real entry: one poller at a time, its turn taken over', () => {
  let redis: TestRedisServer
  let sim: PortalWithBot
  const children: ChildService[] = []
  /** Each replica calls through its own incoming webhook, so the portal's request log names the caller. */
  const hooks: string[] = []

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendonly: true })
    sim = await startPortalWithBot({
      portal: { burst: 100, drainPerSec: 20 },
      bot: { code: 'autoread_fetch', eventMode: 'fetch' },
      dirPrefix: 'b24-replica-fetch-',
    })
    hooks.push(sim.portal.webhookUrl, sim.portal.addIncomingWebhook(), sim.portal.addIncomingWebhook())
    const env = {
      ...sim.env,
      LOG_LEVEL: 'info',
      STATE_STORE: 'redis',
      REDIS_URL: redis.url(),
      REDIS_TAKEOVER_INTERVAL_MS: String(SWEEP_MS),
      B24_POLL_INTERVAL_MS: String(POLL_MS),
      B24_RATE_BURST: '100',
      B24_RATE_PER_SEC: '20',
      B24_REQUEST_TIMEOUT_MS: '2000',
    }
    const started = await Promise.all(hooks.map((hook) => startService({ ...env, B24_WEBHOOK_URL: hook }, 40_000)))
    children.push(...started)
  }, 60_000)
  afterAll(async () => {
    await killAll(children)
    await sim?.close()
    await redis?.dispose()
  })

  /** The replica (its index) whose webhook a request came through. */
  const callerOf = (path: string): number => hooks.findIndex((hook) => path.startsWith(new URL(hook).pathname))
  const polls = () => sim.portal.requests.filter((r) => r.method === EVENT_GET)
  const send = () =>
    Array.from({ length: 10 }, (_, d) => sim.portal.userSends({ botId: sim.bot.id, dialogId: `chat${500 + d}` }))
  const allRead = (sent: ReturnType<typeof send>) => {
    for (const s of sent)
      expect(sim.portal.readState(sim.bot.id, s.dialogId).lastReadId).toBeGreaterThanOrEqual(s.messageId)
  }

  it('polls from one replica, and after it is SIGKILLed from one other within the bound; every event is read', async () => {
    await vi.waitFor(() => expect(polls().length).toBeGreaterThanOrEqual(3), { timeout: 15_000, interval: 50 })
    const first = send()
    await vi.waitFor(() => allRead(first), { timeout: 15_000, interval: 50 })

    const holder = callerOf(polls().at(-1)?.path ?? '')
    const victim = children[holder]
    if (victim === undefined) throw new Error('no poller found')
    // Kill the poller in the middle of a page: some of its reads done, the rest (and its offset) left behind.
    const second = send()
    await vi.waitFor(
      () =>
        expect(second.some((s) => sim.portal.readState(sim.bot.id, s.dialogId).lastReadId >= s.messageId)).toBe(true),
      {
        timeout: 15_000,
        interval: 10,
      },
    )
    victim.process.kill('SIGKILL')
    await victim.exited
    const killedAt = Date.now()
    const pollsBeforeKill = polls().length
    const third = send()
    await vi.waitFor(
      () => {
        allRead(second)
        allRead(third)
      },
      { timeout: TAKEOVER_BOUND_MS + 15_000, interval: 50 },
    )
    await vi.waitFor(() => expect(sim.portal.pendingEvents(sim.bot.id)).toBe(0), { timeout: 10_000, interval: 50 })

    // One poller at a time: the callers of Event.get form two runs, the victim's and then one survivor's.
    const callers = polls().map((r) => callerOf(r.path))
    const runs = callers.filter((c, i) => i === 0 || c !== callers[i - 1])
    expect(runs).toHaveLength(2)
    expect(runs[0]).toBe(holder)
    const takeover = polls()
      .slice(pollsBeforeKill)
      .find((r) => callerOf(r.path) !== holder)
    expect((takeover?.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(TAKEOVER_BOUND_MS)
    // The offset confirmed to the portal never went back, across the takeover too.
    expect(nonDecreasing(polledOffsets(sim.portal))).toBe(true)
    expect(sim.portal.stats()).toMatchObject({ overlappingReads: 0, regressions: 0, rejected503: 0 })
    // Messages sent after the kill were each read once (the takeover re-fetches from the saved offset: dedupe holds).
    for (const s of third) {
      const reads = sim.portal.calls.filter(
        (c) =>
          c.method === 'imbot.v2.Chat.Message.read' &&
          c.ok &&
          String(c.params.dialogId) === s.dialogId &&
          Number(c.params.messageId) === s.messageId,
      )
      expect(reads.length).toBeLessThanOrEqual(1)
    }
    const survivor = children.find((c, i) => i !== holder && c.printed().includes('polls imbot.v2.Event.get now'))
    expect(survivor).toBeDefined()
  }, 60_000)
})
