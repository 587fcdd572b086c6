import type { IncomingMessage, ServerResponse } from 'node:http'
import qs from 'qs'
import type { PortalEnv } from './context.js'
import { parseBody, readBody, sendJson } from './http-io.js'
import type { OAuthTokens } from './oauth-tokens.js'
import { stringParam } from './params.js'
import type { RecordedRequest } from './types.js'

/** What the token endpoint works with (`env`: the server's own address). */
export interface OAuthDeps {
  tokens: OAuthTokens
  env: Pick<PortalEnv, 'url'>
  nowS: () => number
  requests: RecordedRequest[]
}

/**
 * `/oauth/token/` (what `oauth.bitrix.info` serves): `grant_type=refresh_token&client_id&client_secret&refresh_token`
 * as a form body or query; answers a new token set, or 400 `invalid_grant` / 401 `invalid_client`.
 * The portal serves it itself, so point `serverEndpoint` at `<portal.url>/rest/`.
 */
export async function handleOAuthToken(deps: OAuthDeps, req: IncomingMessage, res: ServerResponse, url: URL) {
  const query = qs.parse(url.search.slice(1))
  const body = { ...query, ...parseBody(await readBody(req), req.headers['content-type']) }
  const record: RecordedRequest = {
    method: 'oauth/token',
    httpMethod: req.method ?? 'POST',
    path: url.pathname,
    query,
    headers: { ...req.headers },
    body: { ...body, client_secret: body.client_secret === undefined ? undefined : '***' },
    status: 0,
    at: Date.now(),
  }
  deps.requests.push(record)
  const reply = (status: number, payload: Record<string, unknown>): void => {
    record.status = status
    record.errorCode = typeof payload.error === 'string' ? payload.error : undefined
    sendJson(res, status, payload)
  }
  if (body.grant_type !== 'refresh_token') {
    return reply(400, { error: 'invalid_request', error_description: 'Only grant_type=refresh_token is supported' })
  }
  const grant = deps.tokens.refresh(
    stringParam(body.client_id) ?? '',
    stringParam(body.client_secret) ?? '',
    stringParam(body.refresh_token) ?? '',
    deps.nowS(),
  )
  if (grant === 'invalid_grant') return reply(400, { error: grant, error_description: 'Invalid refresh token' })
  if (grant === 'invalid_client') return reply(401, { error: grant, error_description: 'Invalid client' })
  reply(200, {
    access_token: grant.accessToken,
    expires: grant.expiresAt,
    expires_in: 3600,
    scope: grant.scope,
    domain: new URL(grant.clientEndpoint ?? `${deps.env.url}/rest/`).host,
    server_endpoint: `${deps.env.url}/rest/`,
    status: 'L',
    client_endpoint: grant.clientEndpoint ?? `${deps.env.url}/rest/`,
    member_id: grant.memberId,
    user_id: grant.userId,
    refresh_token: grant.refreshToken,
  })
}
