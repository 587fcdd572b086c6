import { afterEach, describe, expect, it } from 'vitest'
import { type PortalHost, startPortalHost } from '../src/index.js'
import { OAuthTokens } from '../src/oauth-tokens.js'
import { postJson } from './support/https-json.js'
import { callHook, callOAuth } from './support/portal-client.js'

const nowS = () => Math.floor(Date.now() / 1000)

let host: PortalHost | undefined
afterEach(async () => {
  await host?.close()
  host = undefined
})

describe('many portals on one HTTPS server', () => {
  it('serves each portal under its own path, with its own member_id, tokens and counters', async () => {
    host = await startPortalHost()
    const tokens = new OAuthTokens()
    const one = await host.addPortal({ oauthTokens: tokens, webhookSecret: 'secret-one' })
    const two = await host.addPortal({ oauthTokens: tokens })
    expect(host.size).toBe(2)
    expect(one.url).toBe(`${host.url}/p/1`)
    expect(one.webhookUrl).toBe(`${host.url}/p/1/rest/1/secret-one/`)
    expect(one.memberId).not.toBe(two.memberId)
    expect((await callHook(one, 'imbot.v2.Revision.get')).status).toBe(200)
    // Portal one's webhook secret means nothing on portal two.
    const wrong = await postJson(`${two.url}/rest/1/secret-one/imbot.v2.Revision.get`, {}, { ca: host.caPem })
    expect(wrong.status).toBe(401)

    one.addOAuthToken({ accessToken: 'token-of-one', clientId: 'app', expiresAt: nowS() + 3600 })
    expect((await callOAuth(one, 'imbot.v2.Revision.get', 'token-of-one')).status).toBe(200)
    // The same token on portal two is another portal's: refused and counted there only.
    expect((await callOAuth(two, 'imbot.v2.Revision.get', 'token-of-one')).status).toBe(401)
    expect(one.stats().foreignTokens).toBe(0)
    expect(two.stats().foreignTokens).toBe(1)
    expect(one.requests.map((r) => r.path)).toEqual([
      '/rest/1/secret-one/imbot.v2.Revision.get',
      '/rest/imbot.v2.Revision.get',
    ])
    expect(two.requests).toHaveLength(2)
  })

  it('takes one portal down or away without the others, and answers 404 for a path of no portal', async () => {
    host = await startPortalHost()
    const one = await host.addPortal()
    const two = await host.addPortal()
    one.setDown(true)
    await expect(callHook(one, 'server.time')).rejects.toThrow()
    expect(one.stats().droppedConnections).toBe(1)
    expect((await callHook(two, 'server.time')).status).toBe(200)
    one.setDown(false)
    expect((await callHook(one, 'server.time')).status).toBe(200)

    await two.close()
    expect(host.size).toBe(1)
    expect((await callHook(two, 'server.time')).status).toBe(404)
    expect((await postJson(`${host.url}/rest/server.time`, {}, { ca: host.caPem })).status).toBe(404)
    expect(one.internalErrors).toEqual([])
  })
})
