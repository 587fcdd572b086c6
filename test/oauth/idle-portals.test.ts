import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const CODE = 'autoread_vendor'
const INSTALL_ENV = { B24_PUBLIC_URL: 'https://autoread.example.com', B24_BOT_CODE: CODE, LOG_LEVEL: 'info' }
const readsOf = (portal: Portal) => portal.requests.filter((r) => r.method === 'imbot.v2.Chat.Message.read')

/** Bytes of heap in use after a full collection (so what is left is what is still referenced). */
function heapUsedAfterGc(): number {
  setFlagsFromString('--expose-gc')
  const gc: unknown = runInNewContext('gc')
  if (typeof gc !== 'function') throw new Error('no gc')
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Runs `work` over `items`, at most `width` at a time. */
async function inWaves<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work))
}

/** Installs the app on a new portal (ONAPPINSTALL; the service registers the bot), then a user writes to the bot. */
async function installAndMessage(w: OAuthWorld): Promise<{ portal: Portal; botId: number }> {
  const portal = await w.openPortal()
  const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
  const installed = await portal.deliver(install.event, w.eventsUrl)
  expect(JSON.parse(installed.body)).toEqual({ ok: true, outcome: 'accepted' })
  const bot = portal.findBot(CODE)
  if (bot === undefined) throw new Error('the install registered no bot')
  const sent = await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '27' }, { url: w.eventsUrl })
  expect(sent.delivery.status).toBe(200)
  return { portal, botId: bot.id }
}

describe('idle OAuth portals (real SDK, HTTPS, simulated portals)', () => {
  it('evicts an idle portal on its own and reloads it on its next event without the OAuth server', async () => {
    world = await startOAuthWorld({ env: { ...INSTALL_ENV, OAUTH_PORTAL_IDLE_MS: '1000' } })
    const w = world
    const { portal, botId } = await installAndMessage(w)
    await vi.waitFor(() => expect(portal.readState(botId, '27').unread).toBe(0))
    const verified = w.oauth.requests.length
    // The sweep (every second here) finds the portal idle: nothing pending, no event for a second.
    await vi.waitFor(() => expect(w.service.portals.entries()).toHaveLength(0), { timeout: 10_000 })

    const sent = await portal.userSendsAndDeliver({ botId, dialogId: '27' }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
    await vi.waitFor(() => expect(portal.readState(botId, '27')).toEqual({ lastReadId: sent.messageId, unread: 0 }))
    expect(w.oauth.requests).toHaveLength(verified)
    expect(readsOf(portal)).toHaveLength(2)
    expect(portal.stats().foreignTokens).toBe(0)
  })

  it('holds a thousand installed portals, evicts them all when idle (the heap falls), and reloads a sample', async () => {
    world = await startOAuthWorld({ portalHost: true, env: INSTALL_ENV })
    const w = world
    const started = Date.now()
    const installed: Array<{ portal: Portal; botId: number }> = []
    await inWaves(
      Array.from({ length: 1000 }, (_, i) => i),
      20,
      async () => {
        installed.push(await installAndMessage(w))
      },
    )
    await vi.waitFor(
      () => {
        for (const { portal, botId } of installed) expect(portal.readState(botId, '27').unread).toBe(0)
      },
      { timeout: 30_000, interval: 200 },
    )
    const installMs = Date.now() - started
    expect(w.service.portals.entries()).toHaveLength(1000)
    expect(w.oauth.requests).toHaveLength(1000)
    const heldBytes = heapUsedAfterGc()

    // Five minutes (the default idle time) pass on the service's clock; the sweep's own timer runs every minute.
    w.advanceService(300_001)
    expect(w.service.portals.evictIdle?.()).toBe(1000)
    expect(w.service.portals.entries()).toHaveLength(0)
    const evictedBytes = heapUsedAfterGc()
    const freedPerPortal = (heldBytes - evictedBytes) / 1000

    // A sample comes back from the store on its next event: tokens, install record and confirmed watermark.
    const sample = installed.filter((_, i) => i % 50 === 0)
    const sent = await Promise.all(
      sample.map(({ portal, botId }) => portal.userSendsAndDeliver({ botId, dialogId: '27' }, { url: w.eventsUrl })),
    )
    for (const s of sent) expect(s.delivery.status).toBe(200)
    await vi.waitFor(() => {
      sample.forEach(({ portal, botId }, i) => {
        expect(portal.readState(botId, '27')).toEqual({ lastReadId: sent[i]?.messageId, unread: 0 })
      })
    })
    for (const { portal } of sample) {
      expect(readsOf(portal)).toHaveLength(2)
      expect(portal.stats().regressions).toBe(0)
    }
    expect(w.service.portals.entries()).toHaveLength(sample.length)
    // Reloading asked the OAuth server nothing, and no portal ever saw another portal's token.
    expect(w.oauth.requests).toHaveLength(1000)
    expect(installed.reduce((n, { portal }) => n + portal.stats().foreignTokens, 0)).toBe(0)
    // The figures the README quotes come from this line.
    process.stdout.write(
      `1000 portals: installed and read in ${installMs} ms; heap ${mb(heldBytes)} MB held, ${mb(evictedBytes)} MB after eviction (${Math.round(freedPerPortal / 1024)} KB per portal freed)\n`,
    )
    // What a portal holds in memory (client, scheduler, gate, runner) is let go: 30 KB each was measured.
    expect(freedPerPortal).toBeGreaterThan(8 * 1024)
  }, 60_000)
})

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
