import https from 'node:https'
import { ApiVersion, B24Hook, B24OAuth, ParamsFactory } from '@bitrix24/b24jssdk'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Portal, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { sdkHook } from './support/sdk-hook.js'

describe('the real b24jssdk against the simulated portal', () => {
  let portal: Portal
  let bot: SimBot
  const hook = () => sdkHook(portal)

  beforeEach(async () => {
    portal = await startPortal()
    bot = portal.addBot({ code: 'autoread', botToken: 'tok' })
  })
  afterEach(() => closeChecked(portal))

  it('reads through B24Hook with TLS verification on, posting JSON to the webhook path', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    const res = await hook().actions.v2.call.make({
      method: 'imbot.v2.Chat.Message.read',
      params: { botId: bot.id, botToken: 'tok', dialogId: '27', messageId: sent.messageId },
    })
    expect(res.isSuccess).toBe(true)
    expect(res.getData()?.result).toEqual({
      chatId: sent.chatId,
      lastId: sent.messageId,
      counter: 0,
      viewedMessages: [sent.messageId],
    })
    const request = portal.requests.at(-1)
    expect(request).toMatchObject({ method: 'imbot.v2.Chat.Message.read', status: 200 })
    expect(request?.headers['content-type']).toMatch(/^application\/json/)
    expect(request?.query).toMatchObject({ bx24_request_id: expect.any(String), bx24_sdk_type: 'b24-js-sdk' })
  })

  it('gets a thrown AjaxError with the portal code and status for a 4xx, without a retry', async () => {
    portal.userSends({ botId: bot.id, dialogId: '27' })
    const call = hook().actions.v2.call.make({
      method: 'imbot.v2.Chat.Message.read',
      params: { botId: bot.id, botToken: 'wrong', dialogId: '27' },
    })
    await expect(call).rejects.toMatchObject({ code: 'BOT_OWNERSHIP_ERROR', status: 403 })
    expect(portal.requests).toHaveLength(1)
  })

  it('refuses to trust the portal without its CA', async () => {
    const b24 = B24Hook.fromWebhookUrl(portal.webhookUrl, {
      restrictionParams: { ...ParamsFactory.getDefault(), maxRetries: 1 },
    })
    await expect(b24.actions.v2.call.make({ method: 'imbot.v2.Revision.get' })).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    })
  })

  it('refreshes an expired OAuth token at the portal, then calls on /rest//', async () => {
    const appBot = portal.addBot({ code: 'app-bot', clientId: 'app.1' })
    const sent = portal.userSends({ botId: appBot.id, dialogId: '27' })
    portal.addOAuthToken({
      accessToken: 'old',
      refreshToken: 'r1',
      clientId: 'app.1',
      clientSecret: 's1',
      expiresAt: Math.floor(Date.now() / 1000) - 10,
    })
    const savedCa = https.globalAgent.options.ca
    // The SDK's refresh client is a private axios instance: only the global agent can carry the extra CA.
    https.globalAgent.options.ca = portal.caPem
    try {
      const b24 = new B24OAuth(
        {
          applicationToken: 'app-token',
          userId: 1,
          memberId: portal.memberId,
          accessToken: 'old',
          refreshToken: 'r1',
          expires: Math.floor(Date.now() / 1000) - 10,
          expiresIn: 3600,
          scope: 'imbot,im',
          domain: portal.domain,
          clientEndpoint: `${portal.url}/rest/`,
          serverEndpoint: `${portal.url}/rest/`,
          status: 'L',
        },
        { clientId: 'app.1', clientSecret: 's1' },
        { restrictionParams: { ...ParamsFactory.getDefault(), maxRetries: 1 } },
      )
      b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = new https.Agent({ ca: portal.caPem })
      const res = await b24.actions.v2.call.make({
        method: 'imbot.v2.Chat.Message.read',
        params: { botId: appBot.id, dialogId: '27', messageId: sent.messageId },
      })
      expect(res.isSuccess).toBe(true)
      expect(portal.requests.map((r) => [r.method, r.path, r.status])).toEqual([
        ['oauth/token', '/oauth/token/', 200],
        ['imbot.v2.Chat.Message.read', '/rest//imbot.v2.Chat.Message.read', 200],
      ])
    } finally {
      https.globalAgent.options.ca = savedCa
    }
  })
})
