import { describe, expect, it } from 'vitest'
import type { BotEvent } from '../../src/events/types.js'
import { eventOf, MINUTE, registry } from '../support/oauth-registry.js'

/** `eventOf` with no refresh token: the event cannot be verified with the OAuth server. */
function withoutRefresh(event: BotEvent): BotEvent {
  const auth = event.bot.auth as unknown as { refreshToken: string | undefined }
  auth.refreshToken = undefined
  return event
}

describe('an event that fails attribution', () => {
  it('neither loads the portal it names into memory nor keeps it from idle eviction', async () => {
    const { clock, tenants, inMemory } = registry({ idleMs: 5 * MINUTE })
    await tenants.admit(eventOf('p1', 'app-p1'))
    // A forged event naming p1: wrong application token, no refresh token to verify with.
    const forged = withoutRefresh(eventOf('p1', 'not-the-token'))
    clock.now += 4 * MINUTE
    await expect(tenants.admit(forged)).rejects.toMatchObject({ statusCode: 401 })
    clock.now += MINUTE
    // p1 has had no authenticated event for five minutes.
    expect(tenants.evictIdle()).toBe(1)
    expect(inMemory()).toEqual([])
    clock.now += 10 * MINUTE
    tenants.evictIdle()
    // Refused again: the portal is not connected from its stored record for it.
    await expect(tenants.admit(forged)).rejects.toMatchObject({ statusCode: 401 })
    expect(inMemory()).toEqual([])
  })

  it('cannot pull stored portals into memory by cycling the member ids it names', async () => {
    const { clock, tenants, inMemory, counts } = registry({ idleMs: MINUTE })
    for (const id of ['p1', 'p2', 'p3']) await tenants.admit(eventOf(id, `app-${id}`))
    clock.now += 2 * MINUTE
    expect(tenants.evictIdle()).toBe(3)
    for (const id of ['p1', 'p2', 'p3']) {
      await expect(tenants.admit(withoutRefresh(eventOf(id, 'guess')))).rejects.toMatchObject({ statusCode: 401 })
    }
    expect(inMemory()).toEqual([])
    // The portal's own event still reconnects it from its stored record, with no OAuth server call.
    const before = counts.refreshes
    await tenants.admit(withoutRefresh(eventOf('p2', 'app-p2')))
    expect(inMemory()).toEqual(['p2'])
    expect(counts.refreshes).toBe(before)
  })
})
