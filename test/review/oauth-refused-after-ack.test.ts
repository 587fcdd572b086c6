import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('review: OAuth mode, a read refused at the global bound after its 200', () => {
  it('is read once the bound frees, without a restart (as webhook mode does with its pending sweep)', async () => {
    // Events of portal `held.member` wait in their handler until `held.gate` resolves.
    const held = { member: '', gate: Promise.resolve() }
    const hold: Middleware<EventContext> = async (ctx, next) => {
      const e = ctx.event as unknown as { bot: { auth?: { memberId?: string } }; portal: { memberId?: string } }
      if ((e.bot.auth?.memberId ?? e.portal.memberId) === held.member) await held.gate
      await next()
    }
    world = await startOAuthWorld({
      handlers: [hold],
      env: {
        MAX_PENDING_DIALOGS: '5',
        MAX_PENDING_DIALOGS_TOTAL: '1',
        READ_SWEEP_INTERVAL_MS: '200',
        HANDLER_TIMEOUT_MS: '60000',
      },
    })
    const w = world
    const { a, b } = w
    // Both portals verified and read once.
    for (const p of [a, b]) {
      await p.portal.userSendsAndDeliver({ botId: p.bot.id, dialogId: '26' }, { url: w.eventsUrl })
      await vi.waitFor(() => expect(p.portal.readState(p.bot.id, '26').unread).toBe(0), { timeout: 10_000 })
    }
    // B's next message is acknowledged (nothing pending anywhere), its handler held.
    let release: () => void = () => {}
    held.gate = new Promise<void>((resolve) => {
      release = resolve
    })
    held.member = b.portal.memberId
    const sentB = await b.portal.userSendsAndDeliver({ botId: b.bot.id, dialogId: '31' }, { url: w.eventsUrl })
    expect(sentB.delivery.status).toBe(200)
    // Meanwhile portal A, down, fills the global bound with one pending dialog.
    a.portal.setDown(true)
    const sentA = await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '27' }, { url: w.eventsUrl })
    expect(sentA.delivery.status).toBe(200)
    await vi.waitFor(() => expect(w.service.portals.entries().some((e) => e.reads.pendingDialogs > 0)).toBe(true))
    // B's handler ends: its read is requested now and refused at the global bound (the 200 was already sent).
    release()
    await vi.waitFor(() => expect(w.logs.join('\n')).toMatch(/"dialogId":"31".*read refused/), { timeout: 10_000 })
    // A comes back; the bound frees. The acknowledged read of B's dialog 31 must be done without a restart.
    a.portal.setDown(false)
    await vi.waitFor(() => expect(a.portal.readState(a.bot.id, '27').unread).toBe(0), { timeout: 15_000 })
    await vi.waitFor(() => expect(b.portal.readState(b.bot.id, '31').unread).toBe(0), { timeout: 10_000 })
  }, 60_000)
})
