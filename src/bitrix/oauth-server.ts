/**
 * The app's OAuth server (`B24_OAUTH_SERVER_ENDPOINT`, e.g. `https://oauth.bitrix.info/rest/`; never one an event
 * names): the refresh grant, whose answer is the trusted word on which portal (`member_id`) tokens belong to and
 * where that portal's REST endpoint (`client_endpoint`) is.
 * @see https://apidocs.bitrix24.com/settings/oauth/index.html
 */
import https from 'node:https'
import { RestCallError } from './rest-call-error.js'

/** What a refresh needs. */
export interface OAuthServerOptions {
  readonly clientId: string
  readonly clientSecret: string
  readonly serverEndpoint: string
  readonly timeoutMs: number
}

/** A new grant, as the OAuth server answered it. */
export interface RefreshedGrant {
  readonly accessToken: string
  readonly refreshToken: string
  /** Unix seconds. */
  readonly expires: number
  /** The portal the tokens belong to; undefined when the server did not say. */
  readonly memberId: string | undefined
  /** The portal's REST endpoint; undefined when the server did not say. */
  readonly clientEndpoint: string | undefined
}

const text = (answer: Record<string, unknown>, key: string): string | undefined => {
  const value = answer[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** `POST <server>/oauth/token/ grant_type=refresh_token`; rejects with a `RestCallError` (e.g. `invalid_grant`). */
export async function refreshGrant(
  app: OAuthServerOptions,
  agent: https.Agent,
  refreshToken: string,
): Promise<RefreshedGrant> {
  const url = new URL('/oauth/token/', app.serverEndpoint)
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    refresh_token: refreshToken,
  }).toString()
  const { status, json } = await postForm(url, body, agent, app.timeoutMs)
  const answer = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {}
  const error = typeof answer.error === 'string' ? answer.error : undefined
  if (status !== 200 || error !== undefined || typeof answer.access_token !== 'string') {
    throw new RestCallError({
      code: error ?? 'JSSDK_OAUTH_TOKEN_REFRESH_FAILED',
      status: status === 200 ? 401 : status,
      message: `OAuth refresh failed (${error ?? `HTTP ${status}`})`,
    })
  }
  return {
    accessToken: answer.access_token,
    refreshToken: typeof answer.refresh_token === 'string' ? answer.refresh_token : refreshToken,
    expires: Number(answer.expires) || Math.floor(Date.now() / 1000) + 3600,
    memberId: text(answer, 'member_id'),
    clientEndpoint: text(answer, 'client_endpoint'),
  }
}

function postForm(
  url: URL,
  body: string,
  agent: https.Agent,
  timeoutMs: number,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          let json: unknown
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, json })
        })
      },
    )
    req.on('timeout', () =>
      req.destroy(new RestCallError({ code: 'REQUEST_TIMEOUT', status: 0, message: 'OAuth refresh timed out' })),
    )
    req.on('error', (err) => reject(transportError(err)))
    req.end(body)
  })
}

/** A socket or TLS failure of the refresh request, with the system's code (`ECONNREFUSED`, ...) and status 0. */
function transportError(err: Error): RestCallError {
  if (err instanceof RestCallError) return err
  const code: unknown = Reflect.get(err, 'code')
  return new RestCallError(
    { code: typeof code === 'string' && code !== '' ? code : 'UNKNOWN_ERROR', status: 0, message: err.message },
    { cause: err },
  )
}
