import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { RefreshedGrant } from '../../src/bitrix/oauth-server.js'
import { portalEntryBuilder } from '../../src/reads/portal-entry.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { oauthTenants } from '../../src/tenants/oauth-tenants.js'
import { decodeTenant, encodeTenant, type TenantRecord, type TenantTokens } from '../../src/tenants/tenant-record.js'
import { type TokenBox, tokenBox } from '../../src/tenants/token-box.js'
import { fakePort } from '../support/fake-port.js'
import { eventOf, log, SETTINGS } from '../support/oauth-registry.js'

const nowS = () => Math.floor(Date.now() / 1000)

/** One replica's OAuth registry over the shared `store`; `tokensOf` is how its portal client reports a refresh. */
function replica(store: MemoryStore, box: TokenBox) {
  const reporters = new Map<string, (tokens: TenantTokens) => void>()
  const refresh = async (): Promise<RefreshedGrant> => ({
    accessToken: randomBytes(8).toString('hex'),
    refreshToken: randomBytes(8).toString('hex'),
    expires: nowS() + 3600,
    memberId: 'p1',
    clientEndpoint: 'https://p1.example.com/rest/',
  })
  const tenants = oauthTenants({
    store,
    box,
    refresh,
    connect: (record, onTokens) => {
      reporters.set(record.memberId, onTokens)
      return { port: fakePort(), update: () => {} }
    },
    build: portalEntryBuilder({ settings: SETTINGS, log, observers: [] }),
    log,
  })
  return { tenants, tokensOf: (memberId: string) => reporters.get(memberId) }
}

describe('refreshed tokens are stored without overwriting what another write stored', () => {
  const store = new MemoryStore()
  const box = tokenBox(randomBytes(32))
  const storedRecord = (): TenantRecord | undefined => {
    const sealed = store.tenant('p1')
    const plain = sealed === undefined ? undefined : box.open('p1', sealed)
    return plain === undefined ? undefined : decodeTenant(plain)
  }

  it('keeps the bot field and a reinstall, and never stores older tokens', async () => {
    const a = replica(store, box)
    const b = replica(store, box)
    await a.tenants.admit(eventOf('p1', 'app-1'))
    // Replica B serves the same portal from the stored record (its event presents the install's token).
    await b.tenants.admit(eventOf('p1', 'app-1'))
    const report = b.tokensOf('p1')
    if (report === undefined) throw new Error('replica B connected the portal')

    // Replica A stores that the bot is not registered; B's copy of the record does not know it yet.
    await a.tenants.markBot('p1', 'BOT_LIMIT_EXCEEDED')
    const first = storedRecord()
    expect(first?.botUnregistered).toBe('BOT_LIMIT_EXCEEDED')

    // B refreshes: the new tokens are stored, the bot field stays.
    const newer = { accessToken: 'access-newer', refreshToken: 'refresh-newer', expires: (first?.expires ?? 0) + 60 }
    report(newer)
    await expect.poll(() => storedRecord()?.accessToken).toBe('access-newer')
    expect(storedRecord()).toMatchObject({ ...newer, botUnregistered: 'BOT_LIMIT_EXCEEDED', applicationToken: 'app-1' })

    // Tokens older than the stored ones (another replica refreshed later) are not stored.
    report({ accessToken: 'access-older', refreshToken: 'refresh-older', expires: newer.expires - 30 })
    // The memory store answers within the turn: once the next turn comes, every write of the report has ended.
    await new Promise((resolve) => setImmediate(resolve))
    expect(storedRecord()?.accessToken).toBe('access-newer')
    // A reinstall stores a new record; a refresh of the old install's grant must not overwrite it.
    const reinstall: TenantRecord = {
      memberId: 'p1',
      clientEndpoint: 'https://p1.example.com/rest/',
      applicationToken: 'app-2',
      accessToken: 'access-reinstall',
      refreshToken: 'refresh-reinstall',
      expires: newer.expires + 600,
    }
    await store.saveTenant('p1', box.seal('p1', encodeTenant(reinstall)))
    report({ accessToken: 'access-old-grant', refreshToken: 'refresh-old-grant', expires: newer.expires + 3600 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(storedRecord()).toEqual(reinstall)
  })
})
