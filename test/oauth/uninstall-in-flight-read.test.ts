import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP, type OAuthWorld, startOAuthWorld } from '../support/oauth-world.js'

let world: OAuthWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const READ = 'imbot.v2.Chat.Message.read'

describe('uninstall while a read of the portal is in flight', () => {
  it('leaves no watermark of the uninstalled portal behind when the read completes afterwards', async () => {
    world = await startOAuthWorld()
    const w = world
    const { a } = w
    const memberId = a.portal.memberId
    // The portal answers the read only after a while: it is in flight while the app is uninstalled.
    a.portal.inject({ kind: 'slow', method: READ, delayMs: 5_000, times: 1 })
    await a.portal.userSendsAndDeliver({ botId: a.bot.id, dialogId: '41' }, { url: w.eventsUrl })
    const install = a.portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect((await a.portal.deliver(install.event, w.eventsUrl)).status).toBe(200)
    await vi.waitFor(() => expect(a.portal.requests.some((r) => r.fault === 'slow')).toBe(true), { timeout: 15_000 })

    const settled = () =>
      w.logs
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'message read' && l.dialogId === '41' && l.botId === a.bot.id)
    const gone = await a.portal.deliver(a.portal.uninstallEvent(install.applicationToken), w.eventsUrl)
    expect(JSON.parse(gone.body)).toEqual({ ok: true, outcome: 'accepted' })
    expect(w.service.store.tenant(memberId)).toBeUndefined()
    expect(settled()).toEqual([])

    // The portal carries out the read, and the service settles it (logged as read)...
    await vi.waitFor(() => expect(settled()).toHaveLength(1), { timeout: 30_000 })
    expect(a.portal.readState(a.bot.id, '41').unread).toBe(0)
    // ...but writes nothing of the uninstalled portal back to the store.
    await w.service.store.flushed()
    expect(w.service.store.confirmedId(a.bot.id, '41', memberId)).toBe(0)
    expect(w.service.store.pendingReads().filter((m) => m.portal === memberId)).toEqual([])
  }, 60_000)
})
