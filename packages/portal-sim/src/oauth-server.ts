import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendJson } from './http-io.js'
import { listenHttps } from './https-server.js'
import { handleOAuthToken } from './oauth-handler.js'
import { OAuthTokens } from './oauth-tokens.js'
import type { TlsMaterial } from './tls.js'
import type { RecordedRequest } from './types.js'

/** A running simulated Bitrix24 OAuth server (what `oauth.bitrix.info` is), shared by several portals. */
export interface OAuthServer {
  /** `https://127.0.0.1:PORT` */
  url: string
  /** `<url>/rest/`, for `B24_OAUTH_SERVER_ENDPOINT`. */
  serverEndpoint: string
  /** The grants of every portal that shares them (`startPortal({ oauthTokens })`). */
  tokens: OAuthTokens
  /** Every request received (`method` is `oauth/token`), client secrets masked (live array). */
  requests: RecordedRequest[]
  close(): Promise<void>
}

/**
 * Starts an OAuth server on HTTPS: `/oauth/token/` refreshes any shared portal's grant and answers that portal's
 * `member_id` and `client_endpoint`, as Bitrix24's one OAuth server does for every portal of an app.
 */
export async function startOAuthServer(options: { tls: TlsMaterial; clock?: () => number }): Promise<OAuthServer> {
  const clock = options.clock ?? Date.now
  const tokens = new OAuthTokens()
  const requests: RecordedRequest[] = []
  const env = { url: '' }
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', env.url)
    if (/^\/oauth\/token\/?$/.test(url.pathname)) {
      return handleOAuthToken({ tokens, env, nowS: () => Math.floor(clock() / 1000), requests }, req, res, url)
    }
    req.resume()
    sendJson(res, 404, { error: 'NOT_FOUND', error_description: 'Not found' })
  }
  const server = await listenHttps(options.tls, '127.0.0.1', 0, route, () => {})
  env.url = `https://127.0.0.1:${server.port}`
  return { url: env.url, serverEndpoint: `${env.url}/rest/`, tokens, requests, close: () => server.close() }
}
