import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { type InstalledPortal, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const READ = 'imbot.v2.Chat.Message.read'

/** Events of portal `held.member` wait in their handler until `held.gate` resolves. */
function holdingHandler(held: { member: string; gate: Promise<void> }): Middleware<EventContext> {
  return async (ctx, next) => {
    const e = ctx.event as unknown as { bot: { auth?: { memberId?: string } }; portal: { memberId?: string } }
    if ((e.bot.auth?.memberId ?? e.portal.memberId) === held.member) await held.gate
    await next()
  }
}

/**
 * Both portals read once; then B's dialog 31 is acknowledged while nothing is pending, its handler held, while A
 * (down) fills the global bound of one pending dialog; B's read, requested when its handler ends, is refused at
 * the bound after its 200. Returns with A still down.
 */
async function refuseAfterAck(w: OAuthWorld, held: { member: string; gate: Promise<void> }): Promise<void> {
  const { a, b } = w
  for (const p of [a, b]) {
    await p.portal.userSendsAndDeliver({ botId: p.bot.id, dialogId: '26' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(p.portal.readState(p.bot.id, '26').unread).toBe(0), { timeout: 10_000 })
  }
  // The portal marks the read before the service has settled its answer: wait until no dialog counts as pending,
  // or A's new dialog below would meet a bound still held by dialog 26.
  await vi.waitFor(() => expect(w.service.portals.entries().every((e) => e.reads.pendingDialogs === 0)).toBe(true), {
    timeout: 10_000,
  })
  let release: () => void = () => {}
  held.gate = new Promise<void>((resolve) => {
    release = resolve
  })
  held.member = b.portal.memberId
  const sentB = await b.portal.userSendsAndDeliver({ botId: b.bot.id, dialogId: '31' }, { url: w.eventsUrl })
  expect(sentB.delivery.status).toBe(200)
  a.portal.setDown(true)
  const sentA = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
  expect(sentA.delivery.status).toBe(200)
  await vi.waitFor(() => expect(w.service.portals.entries().some((e) => e.reads.pendingDialogs > 0)).toBe(true))
  release()
  await vi.waitFor(() => expect(w.logs.join('\n')).toMatch(/"dialogId":"31".*read refused/), { timeout: 10_000 })
}

const BOUND_ENV = {
  MAX_PENDING_DIALOGS: '5',
  MAX_PENDING_DIALOGS_TOTAL: '1',
  READ_SWEEP_INTERVAL_MS: '200',
  HANDLER_TIMEOUT_MS: '60000',
}

const inMemory = (w: OAuthWorld, p: InstalledPortal) =>
  w.service.portals.entries().some((e) => e.key === p.portal.memberId)

describe('the pending sweep of an OAuth app (real SDK, HTTPS, simulated portals)', () => {
  it('reads a read refused at the global bound after its 200 once the bound frees, without a restart', async () => {
    const held = { member: '', gate: Promise.resolve() }
    world = await startOAuthWorld({ handlers: [holdingHandler(held)], env: BOUND_ENV })
    const w = world
    await refuseAfterAck(w, held)
    // A comes back; the bound frees. The acknowledged read of B's dialog 31 is done by the sweep.
    w.a.portal.setDown(false)
    await vi.waitFor(() => expect(w.a.portal.readState(w.a.bot.id, '27').unread).toBe(0), { timeout: 15_000 })
    await vi.waitFor(() => expect(w.b.portal.readState(w.b.bot.id, '31').unread).toBe(0), { timeout: 10_000 })
  }, 60_000)

  it('reconnects a portal evicted from memory with a stored read, and reads it', async () => {
    const held = { member: '', gate: Promise.resolve() }
    world = await startOAuthWorld({ handlers: [holdingHandler(held)], env: BOUND_ENV })
    const w = world
    await refuseAfterAck(w, held)
    // B has nothing pending in its scheduler (its read was refused), so it may be evicted while its read is stored.
    w.advanceService(10 * 60_000)
    w.service.portals.evictIdle?.()
    expect(inMemory(w, w.b)).toBe(false)
    expect(inMemory(w, w.a)).toBe(true)
    const verified = w.oauth.requests.length
    w.a.portal.setDown(false)
    await vi.waitFor(() => expect(w.a.portal.readState(w.a.bot.id, '27').unread).toBe(0), { timeout: 15_000 })
    await vi.waitFor(() => expect(w.b.portal.readState(w.b.bot.id, '31').unread).toBe(0), { timeout: 10_000 })
    // Connected again from its stored record: the OAuth server was not asked, and no token went to another portal.
    expect(inMemory(w, w.b)).toBe(true)
    expect(w.oauth.requests).toHaveLength(verified)
    expect(w.foreignTokens()).toBe(0)
  }, 60_000)

  it('retries a parked read once the portal answers again, with no new message in its dialog', async () => {
    // A dialog failing on its own is parked at its first failure here.
    world = await startOAuthWorld({ env: { READ_PARK_AFTER_MS: '0', READ_SWEEP_INTERVAL_MS: '200' } })
    const w = world
    const { a } = w
    await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '26' }, { url: w.eventsUrl })
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '26').unread).toBe(0), { timeout: 10_000 })
    a.portal.inject({ kind: 'refuse', code: 'INTERNAL_SERVER_ERROR', method: READ, times: 1 })
    const sent = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(sent.delivery.status).toBe(200)
    await vi.waitFor(() => expect(w.logs.join('\n')).toMatch(/"dialogId":"27".*read parked/), { timeout: 10_000 })
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '27').unread).toBe(0), { timeout: 10_000 })
    expect(w.logs.join('\n')).toMatch(/parked reads retried/)
  }, 60_000)
})
