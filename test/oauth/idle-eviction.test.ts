import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { RefreshedGrant } from '../../src/bitrix/oauth-server.js'
import type { BotEvent } from '../../src/events/types.js'
import { portalEntryBuilder } from '../../src/reads/portal-entry.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { oauthTenants } from '../../src/tenants/oauth-tenants.js'
import { tokenBox } from '../../src/tenants/token-box.js'
import { fakePort } from '../support/fake-port.js'

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

describe('OAuth portals in memory', () => {
  it('keeps at most its bound of a thousand portals in memory and reloads an evicted one from the store', async () => {
    const store = new MemoryStore()
    let refreshes = 0
    const refresh = async (token: string): Promise<RefreshedGrant> => {
      refreshes++
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
      connect: () => ({ port: fakePort(), update: () => {} }),
      build: portalEntryBuilder({ settings: SETTINGS, log, observers: [] }),
      log,
      maxInMemory: 100,
    })
    const ids = Array.from({ length: 1000 }, (_, i) => `member${String(i).padStart(4, '0')}`)
    for (const id of ids) await tenants.admit(eventOf(id, `app-${id}`))
    expect(refreshes).toBe(1000)
    expect(tenants.entries().length).toBe(100)
    expect(store.tenantIds()).toHaveLength(1000)

    // The first portal was evicted long ago: its next event is attributed from the stored record, no OAuth call.
    const first = ids[0] ?? ''
    expect(tenants.forEvent(eventOf(first, `app-${first}`))).toBeUndefined()
    await tenants.admit(eventOf(first, `app-${first}`))
    expect(refreshes).toBe(1000)
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
