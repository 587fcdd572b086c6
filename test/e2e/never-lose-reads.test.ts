/**
 * The scenarios of "never give up on an acknowledged read while the dialog exists", end to end: the real service
 * (real SDK, HTTPS, LMDB store) against the simulated portal, with the user and the operator doing ordinary things.
 */
import { type Portal, type PortalOptions, type PortalWithBot, startPortalWithBot } from '@b24-autoread/portal-sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { batchRefusedIn } from '../../src/store/durable-reads.js'
import { memoryLogLines } from '../support/fake-port.js'
import { TEST_SECRETS } from '../support/service.js'

const READ = 'imbot.v2.Chat.Message.read'
const ROTATED_TOKEN = 'rotated-bot-token-77a1'

let sim: PortalWithBot | undefined
const services: RunningService[] = []
afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
  await sim?.close()
  sim = undefined
})

async function startPortal(portal: PortalOptions = {}): Promise<PortalWithBot> {
  sim = await startPortalWithBot({
    portal: { burst: 50, drainPerSec: 2, ...portal },
    bot: { botToken: TEST_SECRETS.botToken, applicationToken: TEST_SECRETS.applicationToken },
    dirPrefix: 'b24-autoread-never-lose-',
  })
  return sim
}

async function serve(s: PortalWithBot, env: Record<string, string> = {}, handlers: Middleware<EventContext>[] = []) {
  const logs = memoryLogLines()
  const service = await startService({
    env: { ...s.env, STATE_STORE: 'lmdb', LOG_LEVEL: 'debug', ...env },
    logDestination: logs,
    handlers,
  })
  services.push(service)
  const lines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  return { service, lines, printed: () => logs.lines.join('') }
}

async function deliver(portal: Portal, service: RunningService, event: object): Promise<void> {
  expect((await portal.deliver(event, `${service.url}/bitrix24/events`)).status).toBe(200)
}

function readDialogs(portal: Portal, botId: number, dialogs: readonly string[]): string[] {
  return dialogs.filter((d) => portal.readState(botId, d).unread === 0 && portal.readState(botId, d).lastReadId > 0)
}

describe('never give up on an acknowledged read while the dialog exists', () => {
  it('reads 6 of 6 dialogs whose newest message was deleted before the coalesced read', async () => {
    const s = await startPortal()
    const { portal, bot } = s
    const { service, lines } = await serve(s, { B24_MAX_IN_FLIGHT: '1' })
    // One slow read holds the only slot, so the bursts below pile up and go out coalesced at their newest id.
    portal.inject({ kind: 'slow', method: READ, delayMs: 1_500, times: 1 })
    await deliver(portal, service, portal.userSends({ botId: bot.id, dialogId: 'chat99' }).event)
    await vi.waitFor(() => expect(service.gate.snapshot().inFlight).toBe(1))
    const dialogs = Array.from({ length: 6 }, (_, i) => `chat${i + 1}`)
    for (const dialogId of dialogs) {
      const sent = Array.from({ length: 8 }, () => portal.userSends({ botId: bot.id, dialogId }))
      for (const message of sent) await deliver(portal, service, message.event)
      const newest = sent.at(-1)
      if (newest) portal.userDeletes({ botId: bot.id, messageId: newest.messageId })
    }
    await vi.waitFor(() => expect(readDialogs(portal, bot.id, dialogs)).toEqual(dialogs), { timeout: 15_000 })
    const refused = portal.calls.filter((c) => c.method === READ && c.errorCode === 'MESSAGE_NOT_FOUND')
    expect(refused.length).toBeGreaterThanOrEqual(6)
    expect(lines().filter((l) => l.msg === 'read dropped: the dialog is gone for the bot')).toEqual([])
    await vi.waitFor(() => expect(service.store.pendingReads()).toEqual([]))
  })

  it('reads 12 of 12 dialogs after a token rotation once the service restarts with the new token', async () => {
    const s = await startPortal()
    const { portal, bot } = s
    const first = await serve(s)
    const simBot = portal.getBot(bot.id)
    if (simBot === undefined) throw new Error('no bot')
    simBot.botToken = ROTATED_TOKEN
    const dialogs = Array.from({ length: 12 }, (_, i) => `chat${i + 1}`)
    for (let i = 0; i < 60; i++) {
      await deliver(portal, first.service, portal.userSends({ botId: bot.id, dialogId: dialogs[i % 12] ?? '' }).event)
    }
    await vi.waitFor(() => expect(first.service.reads.portalError?.code).toBe('BOT_OWNERSHIP_ERROR'))
    const readyz: unknown = await (await fetch(`${first.service.url}/readyz`)).json()
    expect(readyz).toMatchObject({
      reasons: [expect.stringMatching(/^portal-auth: .*BOT_OWNERSHIP_ERROR.*B24_BOT_TOKEN/)],
    })
    expect(readDialogs(portal, bot.id, dialogs)).toEqual([])
    await first.service.close()
    services.splice(0)
    const second = await serve(s, { B24_BOT_TOKEN: ROTATED_TOKEN })
    await vi.waitFor(() => expect(readDialogs(portal, bot.id, dialogs)).toEqual(dialogs), { timeout: 15_000 })
    await vi.waitFor(() => expect(second.service.store.pendingReads()).toEqual([]))
    expect(first.printed() + second.printed()).not.toContain(ROTATED_TOKEN)
  })

  it('resumes by itself when the configuration is fixed while it runs (a probe read succeeds)', async () => {
    const s = await startPortal()
    const { portal, bot } = s
    const simBot = portal.getBot(bot.id)
    if (simBot === undefined) throw new Error('no bot')
    simBot.botToken = ROTATED_TOKEN
    const { service, lines } = await serve(s, { READ_PROBE_INTERVAL_MS: '200' })
    const dialogs = ['chat1', 'chat2', '31']
    for (const dialogId of dialogs) await deliver(portal, service, portal.userSends({ botId: bot.id, dialogId }).event)
    await vi.waitFor(() => expect(service.reads.portalError?.code).toBe('BOT_OWNERSHIP_ERROR'))
    simBot.botToken = TEST_SECRETS.botToken
    await vi.waitFor(() => expect(readDialogs(portal, bot.id, dialogs)).toEqual(dialogs), { timeout: 10_000 })
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200)
    expect(lines().some((l) => l.msg === 'reads resumed: the portal accepts the bot calls again')).toBe(true)
  })

  it('reads a message whose read the scheduler refused after the 200, without a restart', async () => {
    const s = await startPortal()
    const { portal, bot } = s
    // A handler that takes a while: both events pass the intake's capacity check before either read is requested,
    // so the second read is refused at the bound after its 200.
    const slowHandler: Middleware<EventContext> = async (_ctx, next) => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      await next()
    }
    const env = { MAX_PENDING_DIALOGS: '1', READ_SWEEP_INTERVAL_MS: '200' }
    const { service, lines } = await serve(s, env, [slowHandler])
    portal.inject({ kind: 'slow', method: READ, delayMs: 600, times: 1 })
    const a = portal.userSends({ botId: bot.id, dialogId: 'chat1' })
    const b = portal.userSends({ botId: bot.id, dialogId: 'chat2' })
    await Promise.all([deliver(portal, service, a.event), deliver(portal, service, b.event)])
    await vi.waitFor(() => expect(readDialogs(portal, bot.id, ['chat1', 'chat2'])).toEqual(['chat1', 'chat2']), {
      timeout: 10_000,
    })
    expect(lines().some((l) => typeof l.msg === 'string' && l.msg.includes('MAX_PENDING_DIALOGS'))).toBe(true)
  })

  it('falls back to single calls when the portal refuses imbot.v2 in batch, and remembers it across a restart', async () => {
    const s = await startPortal({ imbotInBatch: 'per-command-method-not-found' })
    const { portal, bot } = s
    const batches = () => portal.requests.filter((r) => r.method === 'batch').length
    /** Holds the only slot with one slow read, so the next dialogs pile up for a batch. */
    const pileUp = async (service: RunningService, dialogs: readonly string[]) => {
      portal.inject({ kind: 'slow', method: READ, delayMs: 800, times: 1 })
      await deliver(portal, service, portal.userSends({ botId: bot.id, dialogId: 'chat99' }).event)
      await vi.waitFor(() => expect(service.gate.snapshot().inFlight).toBe(1))
      for (const dialogId of dialogs)
        await deliver(portal, service, portal.userSends({ botId: bot.id, dialogId }).event)
      await vi.waitFor(() => expect(readDialogs(portal, bot.id, dialogs)).toEqual(dialogs), { timeout: 10_000 })
    }
    const first = await serve(s, { B24_MAX_IN_FLIGHT: '1' })
    await pileUp(first.service, ['chat1', 'chat2', 'chat3'])
    expect(batches()).toBe(1)
    expect(first.service.reads.batchAllowed).toBe(false)
    await vi.waitFor(() => expect(batchRefusedIn(first.service.store)).toBe(true))
    await first.service.close()
    services.splice(0)
    const second = await serve(s, { B24_MAX_IN_FLIGHT: '1' })
    expect(second.service.reads.batchAllowed).toBe(false)
    await pileUp(second.service, ['chat4', 'chat5', 'chat6'])
    expect(batches()).toBe(1)
  })
})
