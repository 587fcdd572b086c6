import { describe, expect, it, vi } from 'vitest'
import { readOk } from '../support/fake-port.js'
import { eventOf, MINUTE, registry } from '../support/oauth-registry.js'

describe('OAuth portals in memory', () => {
  it('evicts a portal idle for its idle time and reloads it from the store on its next event', async () => {
    const { clock, counts, tenants, inMemory } = registry({ idleMs: 5 * MINUTE })
    for (const id of ['p1', 'p2', 'p3']) await tenants.admit(eventOf(id, `app-${id}`))
    clock.now += 4 * MINUTE
    await tenants.admit(eventOf('p2', 'app-p2'))
    expect(tenants.evictIdle()).toBe(0)

    clock.now += MINUTE
    // p1 and p3 have had no event for five minutes; p2 for one.
    expect(tenants.evictIdle()).toBe(2)
    expect(inMemory()).toEqual(['p2'])
    expect(tenants.forEvent(eventOf('p1', 'app-p1'))).toBeUndefined()

    // Its next event reloads p1 from its sealed record: no OAuth server call, a new entry.
    await tenants.admit(eventOf('p1', 'app-p1'))
    expect(counts.refreshes).toBe(3)
    expect(tenants.forEvent(eventOf('p1', 'app-p1'))?.key).toBe('p1')
    expect(inMemory()).toEqual(['p2', 'p1'])
    clock.now += 5 * MINUTE
    expect(tenants.evictIdle()).toBe(2)
    expect(inMemory()).toEqual([])
  })

  it('never evicts a portal with a pending read or an event in the pipeline, however long idle', async () => {
    const { clock, ports, tenants, inMemory } = registry({ idleMs: MINUTE })
    for (const id of ['busy', 'reading', 'quiet']) await tenants.admit(eventOf(id, `app-${id}`))
    const entryOf = (id: string) => tenants.forEvent(eventOf(id, `app-${id}`))
    const busy = entryOf('busy')
    const reading = entryOf('reading')
    if (busy === undefined || reading === undefined) throw new Error('admitted')
    const release = tenants.hold(busy)
    // The portal fails the read once: the dialog waits out its backoff, pending with nothing in flight.
    const port = ports.get('reading')
    if (port === undefined) throw new Error('connected')
    port.answer = () => ({ ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'try again' } })
    expect(reading.reads.request({ botId: 456, dialogId: '27', messageId: 9 })).toBe(true)
    await vi.waitFor(() => expect(port.recorded).toHaveLength(1))
    await vi.waitFor(() => expect(reading.gate.snapshot().inFlight).toBe(0))
    expect(reading.reads.pendingDialogs).toBe(1)
    port.answer = readOk

    clock.now += 10 * MINUTE
    expect(tenants.evictIdle()).toBe(1)
    expect(inMemory()).toEqual(['reading', 'busy'])

    // Once the event has left the pipeline and the read is confirmed, each is idle again from then on.
    release()
    await reading.reads.idle()
    expect(reading.reads.pendingDialogs).toBe(0)
    expect(tenants.evictIdle()).toBe(1)
    expect(inMemory()).toEqual(['busy'])
    clock.now += MINUTE
    expect(tenants.evictIdle()).toBe(1)
    expect(inMemory()).toEqual([])
  })

  it('keeps at most its safety bound in memory, whatever the idle time, and reloads an evicted one', async () => {
    const { store, counts, tenants } = registry({ maxInMemory: 100, idleMs: 60 * MINUTE })
    const ids = Array.from({ length: 1000 }, (_, i) => `member${String(i).padStart(4, '0')}`)
    for (const id of ids) await tenants.admit(eventOf(id, `app-${id}`))
    expect(counts.refreshes).toBe(1000)
    expect(tenants.entries().length).toBe(100)
    expect(store.tenantIds()).toHaveLength(1000)

    // The first portal was evicted long ago: its next event is attributed from the stored record, no OAuth call.
    const first = ids[0] ?? ''
    expect(tenants.forEvent(eventOf(first, `app-${first}`))).toBeUndefined()
    await tenants.admit(eventOf(first, `app-${first}`))
    expect(counts.refreshes).toBe(1000)
    expect(tenants.forEvent(eventOf(first, `app-${first}`))?.key).toBe(first)
    expect(tenants.entries().length).toBe(100)
    // And a wrong application token for an evicted portal still needs the OAuth server's word.
    const second = ids[1] ?? ''
    await expect(
      tenants.admit({ ...eventOf(second, 'forged'), bot: { id: 456, code: 'x', auth: undefined } }),
    ).rejects.toMatchObject({
      code: 'PORTAL_UNVERIFIED',
    })
  })
})
