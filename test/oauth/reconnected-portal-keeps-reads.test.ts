import { randomBytes } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import type { RefreshedGrant } from '../../src/bitrix/oauth-server.js'
import { PendingTally } from '../../src/reads/pending-tally.js'
import { portalEntryBuilder } from '../../src/reads/portal-entry.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { oauthTenants } from '../../src/tenants/oauth-tenants.js'
import { tokenBox } from '../../src/tenants/token-box.js'
import { type FakePort, fakePort } from '../support/fake-port.js'
import { eventOf, log, SETTINGS } from '../support/oauth-registry.js'

/** An OAuth registry whose OAuth server names the old endpoint on the first verify and the new one after. */
function reconnecting() {
  const store = new MemoryStore()
  const endpoints = ['https://old.example.com/rest/', 'https://new.example.com/rest/']
  let verified = 0
  const refresh = async (): Promise<RefreshedGrant> => ({
    accessToken: randomBytes(8).toString('hex'),
    refreshToken: randomBytes(8).toString('hex'),
    expires: Math.floor(Date.now() / 1000) + 3600,
    memberId: 'p1',
    clientEndpoint: endpoints[Math.min(verified++, 1)],
  })
  const ports: FakePort[] = []
  const tally = new PendingTally(100)
  const tenants = oauthTenants({
    store,
    box: tokenBox(randomBytes(32)),
    refresh,
    connect: () => {
      const port = fakePort()
      ports.push(port)
      return { port, update: () => {} }
    },
    build: portalEntryBuilder({ settings: { ...SETTINGS, readProbeIntervalMs: 200 }, log, observers: [], tally }),
    log,
  })
  const pending = () => tenants.entries().reduce((n, e) => n + e.reads.pendingDialogs, 0)
  return { tenants, ports, tally, pending }
}

/** The message ids of the reads a port was sent. */
function readIds(port: FakePort | undefined): number[] {
  return (port?.recorded ?? [])
    .flatMap((r) => (r.kind === 'call' ? [r.call] : r.calls))
    .map((c) => Number(c.params.messageId))
}

describe('a portal reconnected at a new endpoint', () => {
  it('reads its pending message at the new endpoint, through the entry the registry lists', async () => {
    const { tenants, ports, tally, pending } = reconnecting()
    await tenants.admit(eventOf('p1', 'app-1'))
    const old = ports[0]
    const first = tenants.forEvent(eventOf('p1', 'app-1'))
    if (old === undefined || first === undefined) throw new Error('connected')
    // The old host no longer serves the portal: every read there fails.
    old.answer = () => ({ ok: false, error: { code: 'NO_AUTH_FOUND', status: 401, message: 'gone' } })
    expect(first.reads.request({ botId: 456, dialogId: '27', messageId: 9 })).toBe(true)
    await vi.waitFor(() => expect(old.recorded.length).toBeGreaterThan(0))
    // The app is reinstalled; the OAuth server names the portal's new endpoint.
    await tenants.admit(eventOf('p1', 'app-2'))
    expect(ports).toHaveLength(2)
    // The acknowledged read is tracked by the portal the registry lists, and is read at the new endpoint.
    await vi.waitFor(() => expect(readIds(ports[1])).toContain(9), { timeout: 10_000 })
    await vi.waitFor(() => expect(pending()).toBe(0), { timeout: 10_000 })
    // The replaced entry keeps nothing: the global bound is given back, and it has nothing left to wait for.
    expect(tally.count).toBe(0)
    await first.reads.idle()
    // A handler still holding the replaced entry reads through the new one.
    expect(first.reads.request({ botId: 456, dialogId: '27', messageId: 10 })).toBe(true)
    await vi.waitFor(() => expect(readIds(ports[1])).toContain(10), { timeout: 10_000 })
    expect(readIds(old).every((id) => id === 9)).toBe(true)
  })

  it('lets a read in flight at the old endpoint settle without reading below the confirmed id', async () => {
    const { tenants, ports, tally, pending } = reconnecting()
    await tenants.admit(eventOf('p1', 'app-1'))
    const old = ports[0]
    const first = tenants.forEvent(eventOf('p1', 'app-1'))
    if (old === undefined || first === undefined) throw new Error('connected')
    old.hold()
    first.reads.request({ botId: 456, dialogId: '27', messageId: 9 })
    await vi.waitFor(() => expect(old.recorded.length).toBe(1))
    await tenants.admit(eventOf('p1', 'app-2'))
    const next = tenants.forEvent(eventOf('p1', 'app-2'))
    await vi.waitFor(() => expect(readIds(ports[1])).toEqual([9]), { timeout: 10_000 })
    await vi.waitFor(() => expect(next?.reads.confirmedId(456, '27')).toBe(9), { timeout: 10_000 })
    // The old host answers at last, with a failure: nothing is retried there, nothing is counted again.
    old.answer = () => ({ ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'late' } })
    old.release()
    await first.reads.idle()
    expect(old.recorded).toHaveLength(1)
    expect(pending()).toBe(0)
    expect(tally.count).toBe(0)
    // A late lower id is not read again at the new endpoint.
    next?.reads.request({ botId: 456, dialogId: '27', messageId: 8 })
    expect(next?.reads.pendingDialogs).toBe(0)
    expect(readIds(ports[1])).toEqual([9])
  })
})
