/**
 * The OAuth side of the SDK adapter: a `BitrixPort` over `B24OAuth` for one portal of an app, built from the
 * tokens an event carries (`data.bot.auth`). `botToken` is never needed here: the bot belongs to the app's client_id.
 * Refreshes go to the configured OAuth server (never one named by an event, which could collect the client secret)
 * through the same TLS trust store; newer tokens from later events replace the held ones without a refresh.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/index.html
 */
import https from 'node:https'
import { rootCertificates } from 'node:tls'
import { B24OAuth, type B24OAuthParams, EnumAppStatus, type HandlerRefreshAuth } from '@bitrix24/b24jssdk'
import type { Logger } from 'pino'
import type { EventAuth } from '../events/types.js'
import { configureClient, portOf, restErrorOf, sdkRestrictions } from './b24-adapter.js'
import { type RefreshedGrant, refreshGrant } from './oauth-server.js'
import type { BitrixPort, RestError, RestOutcome } from './port.js'
import { RestCallError } from './rest-call-error.js'

/** Tokens usable to build a client: an access token and the portal's REST endpoint at least. */
export type UsableAuth = EventAuth & { readonly accessToken: string; readonly clientEndpoint: string }

/** Settings shared by every portal of the app. */
export interface OAuthAppOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** The OAuth server, e.g. `https://oauth.bitrix.info/rest/`. */
  readonly serverEndpoint: string
  readonly ca?: string
  readonly timeoutMs: number
  readonly log: Logger
  /** Told about every access or refresh token this adapter starts using, so logs can scrub it. */
  readonly onSecret: (value: string) => void
}

/** One portal's client: its port, and a way to hand it newer tokens from later events. */
export interface OAuthConnection {
  readonly port: BitrixPort
  /** Adopts `auth` when it expires later than the held tokens; otherwise does nothing. */
  update(auth: EventAuth): void
}

/** The tokens a connection holds. */
export interface Held {
  accessToken: string
  refreshToken: string
  /** Unix seconds. */
  expires: number
}

function agentOf(app: OAuthAppOptions): https.Agent {
  return new https.Agent({ keepAlive: true, ...(app.ca ? { ca: [...rootCertificates, app.ca] } : {}) })
}

/** Refreshes at the configured OAuth server: the trusted answer on whose tokens these are (see `oauth-server.ts`). */
export function oauthServerRefresh(app: OAuthAppOptions): (refreshToken: string) => Promise<RefreshedGrant> {
  const agent = agentOf(app)
  return async (refreshToken) => {
    const grant = await refreshGrant(app, agent, refreshToken)
    app.onSecret(grant.accessToken)
    app.onSecret(grant.refreshToken)
    return grant
  }
}

/**
 * Builds the client of one portal. `auth.clientEndpoint` must come from the OAuth server (the caller's duty);
 * `onTokens` is told every token set the client starts using, so the caller can store them. `stored` answers the
 * portal's tokens as the shared store holds them (replicas): when another replica refreshed first, its newer tokens
 * are adopted instead of spending a refresh token the OAuth server accepts only once.
 */
export function createOAuthConnection(
  app: OAuthAppOptions,
  auth: UsableAuth,
  onTokens?: (tokens: { accessToken: string; refreshToken: string; expires: number }) => void,
  stored?: () => Promise<Held | undefined>,
): OAuthConnection {
  const agent = agentOf(app)
  const held: Held = { accessToken: auth.accessToken, refreshToken: auth.refreshToken ?? '', expires: expiresOf(auth) }
  app.onSecret(held.accessToken)
  app.onSecret(held.refreshToken)
  const b24 = new B24OAuth(
    paramsOf(auth, held, app.serverEndpoint),
    { clientId: app.clientId, clientSecret: app.clientSecret },
    { restrictionParams: sdkRestrictions() },
  )
  configureClient(b24, { timeoutMs: app.timeoutMs, log: app.log, ...(app.ca ? { ca: app.ca } : {}) })

  let adopt: Held | undefined
  // The SDK reports a refused refresh as JSSDK_UNKNOWN_ERROR (status 0, which reads as transient and would be
  // retried for ever): the OAuth server's own refusal is kept and reported instead (`invalid_grant` is terminal).
  let refused: RestError | undefined
  /** Tokens another replica stored since, when they expire later than the held ones. */
  const newerStored = async (): Promise<Held | undefined> => {
    const latest = await stored?.().catch(() => undefined)
    if (latest === undefined || latest.expires <= held.expires || latest.accessToken === held.accessToken) return
    return { accessToken: latest.accessToken, refreshToken: latest.refreshToken, expires: latest.expires }
  }
  b24.setCustomRefreshAuth(async () => {
    // Set synchronously right before `refreshAuth()` by `update`, so no other refresh can take it.
    let next: { accessToken: string; refreshToken: string; expires: number }
    try {
      next = adopt ?? (await newerStored()) ?? (await refreshOrRefuse(app, agent, held.refreshToken))
    } catch (err) {
      const refusal = err instanceof RestCallError && err.status >= 400 && err.status < 500
      // Another replica may have spent the refresh token a moment ago: its tokens are stored by now.
      const theirs = refusal ? await newerStored() : undefined
      if (theirs === undefined) {
        if (refusal) refused = restErrorOf(err)
        throw err
      }
      next = theirs
    }
    refused = undefined
    adopt = undefined
    held.accessToken = next.accessToken
    held.refreshToken = next.refreshToken
    held.expires = next.expires
    app.onSecret(next.accessToken)
    app.onSecret(next.refreshToken)
    onTokens?.({ ...held })
    return payloadOf(auth, next, app.serverEndpoint)
  })

  let chain: Promise<void> = Promise.resolve()
  return {
    port: withRefusal(portOf(b24, new URL(auth.clientEndpoint).host), () => refused),
    update(newer) {
      if (!newer.accessToken || newer.accessToken === held.accessToken) return
      const next: Held = {
        accessToken: newer.accessToken,
        refreshToken: newer.refreshToken ?? held.refreshToken,
        expires: expiresOf(newer),
      }
      if (next.expires <= held.expires) return
      chain = chain.then(async () => {
        if (next.expires <= held.expires) return
        adopt = next
        try {
          await b24.auth.refreshAuth()
        } catch (err) {
          app.log.warn({ err }, 'could not adopt newer OAuth tokens')
        } finally {
          adopt = undefined
        }
      })
    },
  }
}

/**
 * Refreshes at the configured OAuth server; without the app's client credentials (a v1 bot's tokens in webhook
 * mode, `B24_CLIENT_ID`/`B24_CLIENT_SECRET` unset) there is nothing to refresh with: `expired_token` until a later
 * event brings newer tokens.
 */
async function refreshOrRefuse(app: OAuthAppOptions, agent: https.Agent, refreshToken: string) {
  if (app.clientId === '' || app.clientSecret === '' || refreshToken === '') {
    const message = 'the tokens expired and cannot be refreshed here; newer ones come with the next event'
    throw new RestCallError({ code: 'expired_token', status: 401, message })
  }
  return refreshGrant(app, agent, refreshToken)
}

/** Unix seconds the tokens expire; an event without `expires` is taken as good for most of the documented hour. */
function expiresOf(auth: EventAuth): number {
  return auth.expires ?? Math.floor(Date.now() / 1000) + 3000
}

function statusOf(status: string | undefined): B24OAuthParams['status'] {
  return Object.values(EnumAppStatus).find((s) => s === status) ?? EnumAppStatus.Local
}

/** The REST base without its trailing slash (the SDK would otherwise call `/rest//method`). */
function restBase(clientEndpoint: string): string {
  return clientEndpoint.replace(/\/+$/, '')
}

function paramsOf(auth: UsableAuth, held: Held, serverEndpoint: string): B24OAuthParams {
  return {
    applicationToken: auth.applicationToken ?? '',
    userId: auth.userId ?? 0,
    memberId: auth.memberId ?? '',
    accessToken: held.accessToken,
    refreshToken: held.refreshToken,
    expires: held.expires,
    expiresIn: 3600,
    scope: auth.scope ?? '',
    domain: auth.domain ?? new URL(auth.clientEndpoint).host,
    clientEndpoint: restBase(auth.clientEndpoint),
    serverEndpoint,
    status: statusOf(auth.status),
  }
}

function payloadOf(auth: UsableAuth, held: Held, serverEndpoint: string): HandlerRefreshAuth {
  return {
    access_token: held.accessToken,
    refresh_token: held.refreshToken,
    expires: String(held.expires),
    expires_in: '3600',
    client_endpoint: restBase(auth.clientEndpoint),
    server_endpoint: serverEndpoint,
    member_id: auth.memberId ?? '',
    scope: auth.scope ?? '',
    status: statusOf(auth.status),
    domain: auth.domain ?? new URL(auth.clientEndpoint).host,
  }
}

/** A port whose failures read as the OAuth server's refusal while the last refresh was refused. */
function withRefusal(port: BitrixPort, refusal: () => RestError | undefined): BitrixPort {
  const swap = <T>(outcome: RestOutcome<T>): RestOutcome<T> => {
    const error = outcome.ok ? undefined : refusal()
    return error === undefined ? outcome : { ok: false, error }
  }
  return {
    portal: port.portal,
    call: async (call) => swap(await port.call(call)),
    async batch(calls) {
      const outcome = await port.batch(calls)
      const error = outcome.ok ? undefined : refusal()
      return error === undefined ? outcome : { ok: false, error }
    },
  }
}
