import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type PortalWithBot, startPortalWithBot } from '../src/index.js'
import { postJson } from './support/https-json.js'

describe('startPortalWithBot: a portal, its CA file, a bot and the service environment for them', () => {
  let sim: PortalWithBot | undefined
  afterEach(async () => {
    if (sim === undefined) return
    expect(sim.portal.internalErrors).toEqual([])
    await sim.close()
    sim = undefined
  })

  /** Calls `method` the way a service would from `env` alone: the webhook URL, the bot's id and token, the CA file. */
  const callFromEnv = (env: Readonly<Record<string, string>>, method: string, params: object = {}) =>
    postJson(
      `${env.B24_WEBHOOK_URL}${method}`,
      { botId: Number(env.B24_BOT_ID), botToken: env.B24_BOT_TOKEN, ...params },
      { ca: readFileSync(env.B24_CA_FILE ?? '', 'utf8') },
    )

  it('builds an environment that reaches the portal over verified TLS and names a bot the token owns', async () => {
    sim = await startPortalWithBot({ bot: { botToken: 'env-bot-token', applicationToken: 'env-app-token' } })
    const { env, bot, portal } = sim
    expect(env).toEqual({
      PORT: '0',
      HOST: '127.0.0.1',
      B24_WEBHOOK_URL: portal.webhookUrl,
      B24_EVENT_MODE: 'webhook',
      B24_BOT_ID: String(bot.id),
      B24_BOT_TOKEN: 'env-bot-token',
      B24_APPLICATION_TOKEN: 'env-app-token',
      B24_CA_FILE: sim.caFile,
      STATE_DIR: sim.stateDir,
    })
    const sent = portal.userSends({ botId: bot.id, dialogId: 'chat7' })
    const read = await callFromEnv(env, 'imbot.v2.Chat.Message.read', { dialogId: 'chat7', messageId: sent.messageId })
    expect(read.status).toBe(200)
    expect(portal.readState(bot.id, 'chat7')).toEqual({ lastReadId: sent.messageId, unread: 0 })
    expect(sent.event.auth.application_token).toBe(env.B24_APPLICATION_TOKEN)
  })

  it('defaults to a webhook bot `autoread` with a random token, and takes any bot field over the defaults', async () => {
    sim = await startPortalWithBot({ bot: { code: 'other_bot', name: 'Other' } })
    expect(sim.bot).toMatchObject({ code: 'other_bot', name: 'Other', eventMode: 'webhook' })
    expect(sim.env.B24_BOT_TOKEN).toMatch(/^[0-9a-f]{24}$/)
    expect((await callFromEnv(sim.env, 'imbot.v2.Bot.get')).status).toBe(200)
  })

  it('gives a fetch-mode bot B24_EVENT_MODE=fetch and no application token', async () => {
    sim = await startPortalWithBot({ bot: { eventMode: 'fetch', botToken: 'fetch-token' } })
    expect(sim.env.B24_EVENT_MODE).toBe('fetch')
    expect(sim.env).not.toHaveProperty('B24_APPLICATION_TOKEN')
    sim.portal.userSends({ botId: sim.bot.id, dialogId: 'chat1' })
    const page = await callFromEnv(sim.env, 'imbot.v2.Event.get')
    expect(page.json).toMatchObject({ result: { events: [{ type: 'ONIMBOTV2MESSAGEADD' }] } })
  })

  it('removes its directory (CA file and state) on close', async () => {
    const started = await startPortalWithBot({ dirPrefix: 'b24-portal-sim-test-' })
    expect(readFileSync(started.caFile, 'utf8')).toBe(started.portal.caPem)
    await started.close()
    expect(existsSync(started.dir)).toBe(false)
  })
})
