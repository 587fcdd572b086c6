/**
 * An OAuth registry over a memory store, a settable clock and fake ports, for tests of the tenants registry itself
 * (no simulator): the settings of one portal entry, a message event naming a portal, and the registry.
 */
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import type { RefreshedGrant } from '../../src/bitrix/oauth-server.js'
import type { BotEvent } from '../../src/events/types.js'
import { portalEntryBuilder } from '../../src/reads/portal-entry.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { oauthTenants } from '../../src/tenants/oauth-tenants.js'
import { tokenBox } from '../../src/tenants/token-box.js'
import { type FakePort, fakePort } from './fake-port.js'

/** A silent logger. */
export const log = pino({ level: 'silent' })
/** The read settings of each portal entry. */
export const SETTINGS = {
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
export function eventOf(memberId: string, applicationToken: string): BotEvent {
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

/** One minute in milliseconds. */
export const MINUTE = 60_000

/** An OAuth registry over a memory store, a settable clock and fake ports; `refreshes` counts OAuth server calls. */
export function registry(options: { idleMs?: number; maxInMemory?: number } = {}) {
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
