import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import type { RefreshedGrant } from '../../src/bitrix/oauth-server.js'
import type { BotEvent } from '../../src/events/types.js'
import { portalEntryBuilder } from '../../src/reads/portal-entry.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { oauthTenants } from '../../src/tenants/oauth-tenants.js'
import { tokenBox } from '../../src/tenants/token-box.js'
import { type FakePort, fakePort, readOk } from '../support/fake-port.js'

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

describe('review: a portal reconnected at a new endpoint while a read is pending', () => {
  it('still reads the acknowledged message, through the portal now in the registry', async () => {
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
    const tenants = oauthTenants({
      store,
      box: tokenBox(randomBytes(32)),
      refresh,
      connect: () => {
        const port = fakePort()
        ports.push(port)
        return { port, update: () => {} }
      },
      build: portalEntryBuilder({ settings: { ...SETTINGS, readProbeIntervalMs: 200 }, log, observers: [] }),
      log,
    })
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
    // The acknowledged read is still tracked by a portal the registry lists, and it is read at the new endpoint.
    expect.soft(tenants.entries().reduce((n, e) => n + e.reads.pendingDialogs, 0)).toBe(1)
    await vi.waitFor(() => expect(ports[1]?.recorded.length).toBeGreaterThan(0), { timeout: 5_000 })
  })
})
