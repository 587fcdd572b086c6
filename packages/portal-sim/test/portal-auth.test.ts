import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Portal, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { postJson } from './support/https-json.js'
import { callHook, callOAuth } from './support/portal-client.js'

const nowS = () => Math.floor(Date.now() / 1000)

describe('portal authentication and routing', () => {
  let portal: Portal

  beforeEach(async () => {
    portal = await startPortal({ webhookSecret: 'right-secret' })
  })
  afterEach(() => closeChecked(portal))

  it('serves the incoming-webhook URL it advertises', async () => {
    expect(portal.webhookUrl).toBe(`${portal.url}/rest/1/right-secret/`)
    const res = await callHook(portal, 'imbot.v2.Revision.get')
    expect(res).toMatchObject({ status: 200, json: { result: { rest: 36 } } })
  })

  it('refuses a wrong webhook secret or user with 401 NO_AUTH_FOUND', async () => {
    for (const path of ['/rest/1/wrong-secret/', '/rest/2/right-secret/']) {
      const res = await postJson(`${portal.url}${path}imbot.v2.Revision.get`, {}, { ca: portal.caPem })
      expect(res.status).toBe(401)
      expect(res.json).toEqual({ error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' })
    }
    expect(portal.stats().rejected401).toBe(2)
  })

  it('serves a further incoming webhook of the same user under its own secret, told apart by path', async () => {
    const second = portal.addIncomingWebhook()
    expect(second).not.toBe(portal.webhookUrl)
    const res = await postJson(`${second}imbot.v2.Revision.get`, {}, { ca: portal.caPem })
    expect(res.status).toBe(200)
    expect(portal.requests.at(-1)?.path).toBe(`${new URL(second).pathname}imbot.v2.Revision.get`)
    const made = await postJson(`${portal.url}/rest/1/made-up-secret/imbot.v2.Revision.get`, {}, { ca: portal.caPem })
    expect(made.status).toBe(401)
  })

  it('accepts an OAuth token in the body, in the query, and on the /rest// path', async () => {
    portal.addOAuthToken({ accessToken: 'at', clientId: 'app', expiresAt: nowS() + 3600 })
    expect((await callOAuth(portal, 'imbot.v2.Revision.get', 'at')).status).toBe(200)
    const viaQuery = await postJson(`${portal.url}/rest/imbot.v2.Revision.get?auth=at`, {}, { ca: portal.caPem })
    expect(viaQuery.status).toBe(200)
    const doubleSlash = await postJson(
      `${portal.url}/rest//imbot.v2.Revision.get`,
      { auth: 'at' },
      { ca: portal.caPem },
    )
    expect(doubleSlash.status).toBe(200)
  })

  it('refuses an unknown OAuth token (NO_AUTH_FOUND) and an expired one (expired_token)', async () => {
    portal.addOAuthToken({ accessToken: 'old', clientId: 'app', expiresAt: nowS() - 1 })
    expect(await callOAuth(portal, 'imbot.v2.Revision.get', 'nope')).toMatchObject({
      status: 401,
      json: { error: 'NO_AUTH_FOUND' },
    })
    expect(await callOAuth(portal, 'imbot.v2.Revision.get', 'old')).toMatchObject({
      status: 401,
      json: { error: 'expired_token' },
    })
  })

  it('refreshes a token at /oauth/token/ in the OAuth server shape, once per refresh token', async () => {
    portal.addOAuthToken({
      accessToken: 'old',
      refreshToken: 'r1',
      clientId: 'app',
      clientSecret: 's',
      expiresAt: nowS() - 1,
    })
    const form = 'grant_type=refresh_token&client_id=app&client_secret=s&refresh_token=r1'
    const options = { ca: portal.caPem, contentType: 'application/x-www-form-urlencoded' }
    const res = await postJson(`${portal.url}/oauth/token/`, form, options)
    expect(res.status).toBe(200)
    const grant = res.json as Record<string, unknown>
    expect(grant).toMatchObject({
      expires_in: 3600,
      status: 'L',
      member_id: portal.memberId,
      user_id: 1,
      client_endpoint: `${portal.url}/rest/`,
      server_endpoint: `${portal.url}/rest/`,
      domain: portal.domain,
    })
    expect(grant.expires).toBeGreaterThan(nowS())
    expect((await callOAuth(portal, 'imbot.v2.Revision.get', String(grant.access_token))).status).toBe(200)
    const reused = await postJson(`${portal.url}/oauth/token/`, form, options)
    expect(reused).toMatchObject({ status: 400, json: { error: 'invalid_grant' } })
    const badSecret = form.replace('r1', String(grant.refresh_token)).replace('client_secret=s', 'client_secret=x')
    expect(await postJson(`${portal.url}/oauth/token/`, badSecret, options)).toMatchObject({
      status: 401,
      json: { error: 'invalid_client' },
    })
  })

  it('refuses and counts an access token granted for another portal', async () => {
    portal.addOAuthToken({ accessToken: 'elsewhere', clientId: 'app', expiresAt: nowS() + 600, memberId: 'other' })
    const res = await callOAuth(portal, 'imbot.v2.Revision.get', 'elsewhere')
    expect(res).toMatchObject({ status: 401, json: { error: 'NO_AUTH_FOUND' } })
    expect(portal.stats().foreignTokens).toBe(1)
  })

  it('answers an unknown method with 404 ERROR_METHOD_NOT_FOUND', async () => {
    const res = await callHook(portal, 'no.such.method')
    expect(res).toMatchObject({ status: 404, json: { error: 'ERROR_METHOD_NOT_FOUND' } })
  })

  it('matches method names case-insensitively', async () => {
    expect((await callHook(portal, 'IMBOT.V2.REVISION.GET')).status).toBe(200)
  })

  it('accepts a PHP-style form body as well as JSON', async () => {
    const bot = portal.addBot({ code: 'b', botToken: 't' })
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    const form = `botId=${bot.id}&botToken=t&dialogId=27&messageId=${sent.messageId}`
    const res = await postJson(`${portal.webhookUrl}imbot.v2.Chat.Message.read`, form, {
      ca: portal.caPem,
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(res.json).toMatchObject({ result: { lastId: sent.messageId } })
  })

  it('refuses a body that is not valid JSON', async () => {
    const res = await postJson(`${portal.webhookUrl}imbot.v2.Revision.get`, '{oops', { ca: portal.caPem })
    expect(res).toMatchObject({ status: 400, json: { error: 'ERROR_ARGUMENT' } })
  })

  it('records each request with its parsed body, query and outcome', async () => {
    await postJson(`${portal.webhookUrl}imbot.v2.Revision.get?bx24_request_id=abc`, { x: 1 }, { ca: portal.caPem })
    expect(portal.requests).toEqual([
      expect.objectContaining({
        method: 'imbot.v2.Revision.get',
        httpMethod: 'POST',
        path: '/rest/1/right-secret/imbot.v2.Revision.get',
        query: { bx24_request_id: 'abc' },
        body: { x: 1 },
        status: 200,
        errorCode: undefined,
      }),
    ])
    expect(portal.requests[0]?.headers['content-type']).toBe('application/json')
    expect(portal.calls).toEqual([
      expect.objectContaining({ method: 'imbot.v2.Revision.get', via: 'direct', ok: true }),
    ])
  })

  it('answers other paths with 404', async () => {
    expect((await postJson(`${portal.url}/nothing`, {}, { ca: portal.caPem })).status).toBe(404)
  })
})
