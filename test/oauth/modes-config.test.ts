import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { ConfigError } from '../../src/errors.js'

const HOOK = 'https://portal.example.com/rest/1/abcdef123456/'
const WEBHOOK_ENV = {
  B24_WEBHOOK_URL: HOOK,
  B24_BOT_ID: '7',
  B24_BOT_TOKEN: 'tok-123456',
  B24_EVENTS_SECRET: 'a'.repeat(16),
}

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env)
    return []
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
}

describe('config of the event, auth and read modes', () => {
  it('defaults to webhook events, webhook auth and imbot.v2 reads', () => {
    expect(loadConfig(WEBHOOK_ENV)).toMatchObject({
      eventMode: 'webhook',
      authMode: 'webhook',
      readMethod: 'imbot.v2.Chat.Message.read',
      fetchLimit: 100,
      pollIntervalMs: 5000,
    })
  })

  it('needs neither B24_APPLICATION_TOKEN nor B24_EVENTS_SECRET in fetch mode', () => {
    const { B24_EVENTS_SECRET: _unused, ...env } = WEBHOOK_ENV
    expect(problems(env)).toHaveLength(1)
    expect(
      loadConfig({ ...env, B24_EVENT_MODE: 'fetch', B24_FETCH_LIMIT: '1000', B24_POLL_INTERVAL_MS: '50' }),
    ).toMatchObject({ eventMode: 'fetch', fetchLimit: 1000, pollIntervalMs: 50 })
  })

  it('reports bad values of the new variables all at once', () => {
    expect(
      problems({ ...WEBHOOK_ENV, B24_EVENT_MODE: 'push', B24_FETCH_LIMIT: '1001', B24_READ_METHOD: 'im.read' }),
    ).toEqual([
      'B24_EVENT_MODE must be one of webhook, fetch (got "push")',
      'B24_READ_METHOD must be one of imbot.v2.Chat.Message.read, im.dialog.read (got "im.read")',
      'B24_FETCH_LIMIT must be an integer from 1 to 1000 (got "1001")',
    ])
  })

  it('implies OAuth mode from the app credentials without a webhook URL; the bot id and token become optional', () => {
    const config = loadConfig({
      B24_CLIENT_ID: 'app.1',
      B24_CLIENT_SECRET: 'shh-secret',
      B24_EVENTS_SECRET: 'b'.repeat(16),
      B24_TOKEN_KEY: 'c'.repeat(64),
    })
    expect(config).toMatchObject({
      authMode: 'oauth',
      botId: 0,
      botToken: '',
      oauthServerEndpoint: 'https://oauth.bitrix.info/rest/',
    })
  })

  it('reads the bounds of many portals (global pending dialogs, idle time) and reports bad ones together', () => {
    const oauth = {
      B24_CLIENT_ID: 'app.1',
      B24_CLIENT_SECRET: 'shh-secret',
      B24_EVENTS_SECRET: 'b'.repeat(16),
      B24_TOKEN_KEY: 'c'.repeat(64),
    }
    expect(loadConfig(oauth)).toMatchObject({ maxPendingDialogsTotal: 1_000_000, portalIdleMs: 300_000 })
    expect(loadConfig({ ...oauth, MAX_PENDING_DIALOGS_TOTAL: '5000', OAUTH_PORTAL_IDLE_MS: '60000' })).toMatchObject({
      maxPendingDialogsTotal: 5000,
      portalIdleMs: 60_000,
    })
    expect(
      problems({ ...oauth, MAX_PENDING_DIALOGS_TOTAL: '0', OAUTH_PORTAL_IDLE_MS: '5m', MAX_PENDING_DIALOGS: '-1' }),
    ).toEqual([
      'MAX_PENDING_DIALOGS must be an integer from 1 to 10000000 (got "-1")',
      'MAX_PENDING_DIALOGS_TOTAL must be an integer from 1 to 100000000 (got "0")',
      'OAUTH_PORTAL_IDLE_MS must be an integer from 1000 to 86400000 (got "5m")',
    ])
  })

  it('explains what OAuth mode lacks, and that fetch mode needs webhook auth', () => {
    const found = problems({ B24_AUTH_MODE: 'oauth', B24_EVENT_MODE: 'fetch', B24_OAUTH_SERVER_ENDPOINT: 'http://x' })
    expect(found).toEqual([
      "B24_CLIENT_ID is required with B24_AUTH_MODE=oauth: the app's client_id",
      "B24_CLIENT_SECRET is required with B24_AUTH_MODE=oauth: the app's client_secret",
      'B24_EVENT_MODE=fetch needs B24_AUTH_MODE=webhook: OAuth tokens arrive with webhook events',
      'B24_TOKEN_KEY is required with B24_AUTH_MODE=oauth: 32 random bytes as 64 hex digits (openssl rand -hex 32)',
      'B24_OAUTH_SERVER_ENDPOINT must be an https:// URL such as https://oauth.bitrix.info/rest/',
    ])
    expect(found.join(' ')).not.toContain('shh')
  })
})

describe('im.dialog.read in OAuth mode', () => {
  it('is refused at start: it would read as the installing user, not the bot', () => {
    const found = problems({
      B24_AUTH_MODE: 'oauth',
      B24_CLIENT_ID: 'app.1',
      B24_CLIENT_SECRET: 'shh-secret',
      B24_EVENTS_SECRET: 'b'.repeat(16),
      B24_TOKEN_KEY: 'c'.repeat(64),
      B24_READ_METHOD: 'im.dialog.read',
    })
    expect(found).toEqual([
      expect.stringContaining('B24_READ_METHOD=im.dialog.read cannot be used with B24_AUTH_MODE=oauth'),
    ])
  })
})

describe('im.dialog.read in webhook auth', () => {
  it('is refused at start in fetch mode, whose events carry no bot tokens to read with', () => {
    const found = problems({ ...WEBHOOK_ENV, B24_EVENT_MODE: 'fetch', B24_READ_METHOD: 'im.dialog.read' })
    expect(found).toEqual([expect.stringContaining('B24_READ_METHOD=im.dialog.read needs B24_EVENT_MODE=webhook')])
  })

  it('is accepted with webhook events, which bring the bot tokens', () => {
    expect(problems({ ...WEBHOOK_ENV, B24_READ_METHOD: 'im.dialog.read' })).toEqual([])
  })
})
