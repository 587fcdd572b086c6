import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Portal, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook, callOAuth } from './support/portal-client.js'

const fields = (overrides: Record<string, unknown> = {}) => ({
  code: 'autoread',
  botToken: 'bot-token',
  properties: { name: 'Autoread Bot', workPosition: 'Reader' },
  type: 'bot',
  eventMode: 'webhook',
  webhookUrl: 'https://service.example/b24/events',
  ...overrides,
})

describe('imbot.v2.Bot.register / get / unregister on the simulated portal', () => {
  let portal: Portal
  const register = (f: Record<string, unknown>, extra: object = {}) =>
    callHook(portal, 'imbot.v2.Bot.register', { fields: f, ...extra })

  beforeEach(async () => {
    portal = await startPortal()
  })
  afterEach(() => closeChecked(portal))

  it('registers a bot and answers {bot, users} in the documented shape', async () => {
    const res = await register(fields())
    expect(res.status).toBe(200)
    const result = (res.json as { result: { bot: { id: number }; users: unknown[] } }).result
    expect(result.bot).toEqual({
      id: expect.any(Number),
      code: 'autoread',
      type: 'bot',
      isHidden: false,
      isSupportOpenline: false,
      isReactionsEnabled: true,
      backgroundId: null,
      language: 'en',
      moduleId: 'rest',
      eventMode: 'webhook',
      countMessage: 0,
      countCommand: 0,
      countChat: 0,
      countUser: 0,
    })
    expect(result.users).toEqual([
      expect.objectContaining({
        id: result.bot.id,
        name: 'Autoread Bot',
        bot: true,
        type: 'bot',
        workPosition: 'Reader',
      }),
    ])
    const stored = portal.getBot(result.bot.id)
    expect(stored).toMatchObject({ botToken: 'bot-token', webhookUrl: 'https://service.example/b24/events' })
    const sent = portal.userSends({ botId: result.bot.id, dialogId: '27' })
    const read = await callHook(portal, 'imbot.v2.Chat.Message.read', {
      botId: result.bot.id,
      botToken: 'bot-token',
      dialogId: '27',
      messageId: sent.messageId,
    })
    expect(read.status).toBe(200)
  })

  it('returns the existing bot for the same code and token, and refuses the code under another token', async () => {
    // The bot's user carries `lastActivityDate: now`: hold the clock so both answers fall in the same second.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      const first = await register(fields())
      const again = await register(fields({ properties: { name: 'Renamed' } }))
      expect((again.json as { result: unknown }).result).toEqual((first.json as { result: unknown }).result)
    } finally {
      vi.useRealTimers()
    }
    const taken = await register(fields({ botToken: 'other-token' }))
    expect(taken).toMatchObject({ status: 400, json: { error: 'BOT_CODE_ALREADY_TAKEN' } })
  })

  it('tolerates botToken at the top level, as the older quick-start shows', async () => {
    const { botToken, ...rest } = fields()
    const res = await register(rest, { botToken })
    expect(res.status).toBe(200)
  })

  it('defaults to fetch mode without a webhookUrl', async () => {
    const res = await register({ code: 'poller', botToken: 't', properties: { name: 'Poller' } })
    expect(res.json).toMatchObject({ result: { bot: { eventMode: 'fetch', type: 'bot' } } })
  })

  it('lets an OAuth app register without botToken and own the bot by client_id', async () => {
    portal.addOAuthToken({ accessToken: 'at', clientId: 'app.1', expiresAt: Math.floor(Date.now() / 1000) + 60 })
    const res = await callOAuth(portal, 'imbot.v2.Bot.register', 'at', {
      fields: { code: 'c', properties: { name: 'N' } },
    })
    const id = (res.json as { result: { bot: { id: number } } }).result.bot.id
    expect(portal.getBot(id)).toMatchObject({ clientId: 'app.1', botToken: undefined })
  })

  it.each([
    ['BOT_TOKEN_NOT_SPECIFIED', fields({ botToken: undefined })],
    ['BOT_TOKEN_INVALID_LENGTH', fields({ botToken: 'x'.repeat(41) })],
    ['BOT_CODE_REQUIRED', fields({ code: '' })],
    ['BOT_PROPERTIES_REQUIRED', fields({ properties: {} })],
    ['BOT_INVALID_TYPE', fields({ type: 'robot' })],
    ['BOT_INVALID_EVENT_MODE', fields({ eventMode: 'push' })],
    ['BOT_WEBHOOK_URL_REQUIRED', fields({ webhookUrl: undefined })],
    ['BOT_INVALID_CALLBACK', fields({ webhookUrl: 'not a url' })],
  ])('refuses registration with %s', async (code, f) => {
    const res = await register(f)
    expect(res).toMatchObject({ status: 400, json: { error: code } })
  })

  it('gets a bot by id or by code, and refuses neither or an unknown one', async () => {
    const id = ((await register(fields())).json as { result: { bot: { id: number } } }).result.bot.id
    const byId = await callHook(portal, 'imbot.v2.Bot.get', { botId: id, botToken: 'bot-token' })
    expect(byId.json).toMatchObject({ result: { bot: { id, code: 'autoread' }, users: [{ id }] } })
    const byCode = await callHook(portal, 'imbot.v2.Bot.get', { code: 'autoread' })
    expect(byCode.json).toMatchObject({ result: { bot: { id } } })
    expect(await callHook(portal, 'imbot.v2.Bot.get', {})).toMatchObject({ json: { error: 'BOT_ID_REQUIRED' } })
    const unknown = await callHook(portal, 'imbot.v2.Bot.get', { botId: 1 })
    expect(unknown).toMatchObject({ json: { error: 'BOT_NOT_FOUND' } })
  })

  it('unregisters only for the owner, then forgets the bot', async () => {
    const id = ((await register(fields())).json as { result: { bot: { id: number } } }).result.bot.id
    const foreign = await callHook(portal, 'imbot.v2.Bot.unregister', { botId: id, botToken: 'nope' })
    expect(foreign).toMatchObject({ status: 403, json: { error: 'BOT_OWNERSHIP_ERROR' } })
    const res = await callHook(portal, 'imbot.v2.Bot.unregister', { botId: id, botToken: 'bot-token' })
    expect(res).toMatchObject({ status: 200, json: { result: true } })
    expect(await callHook(portal, 'imbot.v2.Bot.get', { botId: id })).toMatchObject({
      json: { error: 'BOT_NOT_FOUND' },
    })
  })
})
