import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { RefreshedGrant } from '../../src/bitrix/oauth-server.js'
import type { BotEvent } from '../../src/events/types.js'
import { portalEntryBuilder } from '../../src/reads/portal-entry.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { oauthTenants } from '../../src/tenants/oauth-tenants.js'
import { tokenBox } from '../../src/tenants/token-box.js'
import { type FakePort, fakePort } from '../support/fake-port.js'

const log = pino({ level: 'silent' })
const SETTINGS = {
  authMode: 'oauth',
  botToken: '',
  readMethod: 'imbot.v2.Chat.Message.read',
  rateBurst: 50,
  ratePerSec: 2,
  maxInFlight: 4,
  maxPendingDialogs: 10,
  botId: 0,
  readParkAfterMs: 600_000,
  readProbeIntervalMs: 30_000,
  callReserve: 0.1,
} as const

/** A message event of `memberId` presenting `applicationToken` and a refresh token. */
function eventOf(memberId: string, applicationToken: string): BotEvent {
  const auth = {
    accessToken: `access-${memberId}`,
    refreshToken: `refresh-${memberId}`,
    expires: undefined,
    clientEndpoint: undefined,
    serverEndpoint: undefined,
    memberId,
    domain: undefined,
    userId: undefined,
    scope: undefined,
    status: undefined,
    applicationToken,
  }
  return {
    type: 'ONIMBOTV2MESSAGEADD',
    bot: { id: 456, code: 'autoread', auth },
    portal: { domain: undefined, memberId, applicationToken },
    ts: undefined,
    chat: { id: 1, dialogId: '27', type: 'private' },
    message: { id: 1, chatId: 1, authorId: 27, text: '', isSystem: false, uuid: '' },
    user: { id: 27, isBot: false, name: '' },
    language: '',
  } as unknown as BotEvent
}

const MINUTE = 60_000

/** An OAuth registry over a memory store, a settable clock and fake ports; `refreshes` counts OAuth server calls. */
function registry(options: { idleMs?: number; maxInMemory?: number } = {}) {
  const store = new MemoryStore()
  const clock = { now: Date.now() }
  const ports = new Map<string, FakePort>()
  const counts = { refreshes: 0 }
  const refresh = async (token: string): Promise<RefreshedGrant> => {
    counts.refreshes++
    const memberId = token.replace(/^refresh-/, '')
    return {
      accessToken: randomBytes(8).toString('hex'),
      refreshToken: randomBytes(8).toString('hex'),
      expires: Math.floor(Date.now() / 1000) + 3600,
      memberId,
      clientEndpoint: `https://${memberId}.example.com/rest/`,
    }
  }
  const tenants = oauthTenants({
    store,
    box: tokenBox(randomBytes(32)),
    refresh,
    connect: (record) => {
      const port = fakePort()
      ports.set(record.memberId, port)
      return { port, update: () => {} }
    },
    build: portalEntryBuilder({ settings: SETTINGS, log, observers: [] }),
    log,
    now: () => clock.now,
    ...options,
  })
  const inMemory = () => tenants.entries().map((e) => e.key)
  return { store, clock, ports, counts, tenants, inMemory }
}

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
