import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  generateTlsMaterial,
  type OAuthServer,
  type Portal,
  type SimBot,
  startOAuthServer,
  startPortal,
} from '@b24-autoread/portal-sim'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { type ChildService, killAll, startService } from '../support/child-service.js'
import { APP } from '../support/oauth-world.js'
import { describeRedis, TestRedisServer } from '../support/redis-server.js'

// Takeover bound with these settings (as in replica-crash.test.ts): two sweeps, plus the lease time (request timeout
// + 5 s) when the killed replica had the read in flight, plus the read itself.
const SWEEP_MS = 300
const REQUEST_TIMEOUT_MS = 1_000
const TAKEOVER_BOUND_MS = 2 * SWEEP_MS + REQUEST_TIMEOUT_MS + 5_000 + 2_000
const CODE = 'autoread_vendor'

describeRedis('OAuth app, three replicas of the real entry on one Redis: any replica serves any portal', () => {
  let redis: TestRedisServer
  let oauth: OAuthServer
  let dir: string
  const portals: Portal[] = []
  const bots: SimBot[] = []
  const children: ChildService[] = []
  const secrets: string[] = [APP.clientSecret, APP.eventsSecret, APP.tokenKey]
  /** The portals' and the OAuth server's clock runs ahead by this much (tokens expire; the replicas' clock is real). */
  let aheadMs = 0
  const clock = () => Date.now() + aheadMs

  beforeAll(async () => {
    const tls = await generateTlsMaterial()
    dir = mkdtempSync(join(tmpdir(), 'b24-oauth-replicas-'))
    const caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, tls.cert)
    redis = await TestRedisServer.start({ appendonly: true })
    oauth = await startOAuthServer({ tls, clock })
    for (let i = 0; i < 2; i++) {
      portals.push(await startPortal({ tls, oauthTokens: oauth.tokens, burst: 50, drainPerSec: 10, clock }))
    }
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      B24_CLIENT_ID: APP.clientId,
      B24_CLIENT_SECRET: APP.clientSecret,
      B24_EVENTS_SECRET: APP.eventsSecret,
      B24_TOKEN_KEY: APP.tokenKey,
      B24_OAUTH_SERVER_ENDPOINT: oauth.serverEndpoint,
      B24_CA_FILE: caFile,
      B24_PUBLIC_URL: 'https://autoread.example.com',
      B24_BOT_CODE: CODE,
      B24_RATE_BURST: '50',
      B24_RATE_PER_SEC: '10',
      B24_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      STATE_STORE: 'redis',
      REDIS_URL: redis.url(),
      REDIS_TAKEOVER_INTERVAL_MS: String(SWEEP_MS),
    }
    children.push(...(await Promise.all([0, 1, 2].map(() => startService(env, 40_000)))))
  }, 60_000)
  afterAll(async () => {
    await killAll(children)
    for (const portal of portals) await portal.close()
    await oauth?.close()
    await redis?.dispose()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const eventsUrl = (child: ChildService | undefined) => `${child?.url}/bitrix24/events/${APP.eventsSecret}`

  it('installs through one replica, serves events through another, and takes over the reads of a killed one', async () => {
    const [installer, victim, survivor] = children
    for (const portal of portals) {
      const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
      secrets.push(install.accessToken, install.refreshToken, install.applicationToken)
      const res = await portal.deliver(install.event, eventsUrl(installer))
      expect(JSON.parse(res.body)).toEqual({ ok: true, outcome: 'accepted' })
      const bot = portal.findBot(CODE)
      if (bot === undefined) throw new Error('the bot was not registered')
      bots.push(bot)
    }
    // The same bot id, dialog and message ids on both portals: only the portal tells their leases apart.
    expect(bots[0]?.id).toBe(bots[1]?.id)

    // Another replica knows the portals only from the records the installer stored in Redis.
    for (const [i, portal] of portals.entries()) {
      const bot = bots[i]
      if (bot === undefined) throw new Error('no bot')
      const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
      const res = await portal.deliver(sent.event, eventsUrl(survivor))
      expect(res.status).toBe(200)
      await vi.waitFor(() => expect(portal.readState(bot.id, '27').lastReadId).toBe(sent.messageId), {
        timeout: 15_000,
      })
    }

    // A burst to the victim while the portals are away: it acknowledges (Redis has the reads) but cannot read.
    for (const portal of portals) portal.setDown(true)
    const last = new Map<string, number>()
    for (let d = 0; d < 12; d++) {
      for (const [i, portal] of portals.entries()) {
        const bot = bots[i]
        if (bot === undefined) throw new Error('no bot')
        const sent = portal.userSends({ botId: bot.id, dialogId: `chat${40 + d}` })
        const res = await portal.deliver(sent.event, eventsUrl(victim))
        expect(res.status).toBe(200)
        last.set(`${i}|${sent.dialogId}`, sent.messageId)
      }
    }
    victim?.process.kill('SIGKILL')
    await victim?.exited
    const killedAt = Date.now()
    for (const portal of portals) portal.setDown(false)
    await vi.waitFor(
      () => {
        for (const [key, id] of last) {
          const [i, dialogId] = key.split('|')
          const bot = bots[Number(i)]
          expect(portals[Number(i)]?.readState(bot?.id ?? 0, dialogId ?? '').lastReadId).toBe(id)
        }
      },
      { timeout: TAKEOVER_BOUND_MS, interval: 100 },
    )
    expect(Date.now() - killedAt).toBeLessThan(TAKEOVER_BOUND_MS)
    for (const portal of portals) {
      expect(portal.stats()).toMatchObject({ overlappingReads: 0, regressions: 0, rejected503: 0, foreignTokens: 0 })
    }
    const printed = [installer, survivor].map((c) => c?.printed() ?? '').join('')
    expect(printed).toContain('pending reads taken over from the shared store')
    for (const secret of secrets) expect(printed).not.toContain(secret)
  }, 60_000)

  it('adopts the tokens another replica refreshed instead of spending the used refresh token again', async () => {
    const [installer, , survivor] = children
    const [portal] = portals
    const [bot] = bots
    if (portal === undefined || bot === undefined) throw new Error('the first test installs the portals')
    // An hour later every access token has expired; the refresh token is accepted once.
    aheadMs += 3_700_000
    const refreshes = () => oauth.requests.length
    const before = refreshes()
    for (const [replica, dialogId] of [
      [installer, 'chat70'],
      [survivor, 'chat71'],
    ] as const) {
      const sent = portal.userSends({ botId: bot.id, dialogId })
      expect((await portal.deliver(sent.event, eventsUrl(replica))).status).toBe(200)
      await vi.waitFor(() => expect(portal.readState(bot.id, dialogId).lastReadId).toBe(sent.messageId), {
        timeout: 15_000,
      })
      // The installer refreshed; the survivor took the tokens it stored rather than asking the OAuth server.
      expect(refreshes()).toBe(before + 1)
    }
    expect(portal.stats()).toMatchObject({ regressions: 0, foreignTokens: 0 })
    expect(survivor?.printed()).not.toContain('invalid_grant')
  }, 60_000)
})
