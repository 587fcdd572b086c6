import { timingSafeEqual } from 'node:crypto'
import type { AuthContext } from './context.js'
import type { OAuthTokens } from './oauth-tokens.js'
import { stringParam } from './params.js'
import { fail } from './rest-error.js'

/** Where a REST request goes: its method and, for incoming-webhook URLs, the user id and secret in the path. */
export interface RestRoute {
  method: string
  hook?: { userId: string; secret: string }
}

/** What authentication checks against. */
export interface AuthConfig {
  webhookUserId: number
  webhookSecret: string
  /** Further incoming webhooks of the same user (a portal may have several; each has its own secret). */
  extraWebhookSecrets: Set<string>
  tokens: OAuthTokens
  nowS: () => number
  /** This portal's `member_id`: a token granted for another portal is counted and refused. */
  memberId: string
  /** Told of every access token of another portal presented here (must never happen). */
  onForeignToken: () => void
}

/**
 * Parses `/rest/<userId>/<secret>/<method>` (incoming webhook) or `/rest/<method>` (OAuth; `/rest//<method>`
 * tolerated, as the SDK produces it from a trailing-slash `client_endpoint`). A `.json` suffix is dropped.
 */
export function parseRestPath(pathname: string): RestRoute | undefined {
  if (!pathname.startsWith('/rest/')) return undefined
  const segments = pathname
    .slice('/rest/'.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s))
  const method = segments.at(-1)?.replace(/\.json$/i, '')
  if (method === undefined) return undefined
  if (segments.length === 1) return { method }
  const [userId, secret] = segments
  if (segments.length === 3 && userId !== undefined && secret !== undefined) return { method, hook: { userId, secret } }
  return undefined
}

const sameSecret = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * Authenticates a REST call: the webhook path secret, or an OAuth `auth` token from the body or query.
 * Wrong secret or unknown token → 401 NO_AUTH_FOUND; expired token → 401 expired_token.
 */
export function authenticate(route: RestRoute, authParam: unknown, config: AuthConfig): AuthContext {
  if (route.hook) {
    const userOk = route.hook.userId === String(config.webhookUserId)
    const { secret } = route.hook
    const known = sameSecret(secret, config.webhookSecret) || config.extraWebhookSecrets.has(secret)
    if (!userOk || !known) fail('NO_AUTH_FOUND')
    return { kind: 'webhook', userId: config.webhookUserId }
  }
  const grant = config.tokens.lookup(stringParam(authParam) ?? '') ?? fail('NO_AUTH_FOUND')
  if (grant.memberId !== config.memberId) {
    config.onForeignToken()
    fail('NO_AUTH_FOUND')
  }
  if (grant.expiresAt <= config.nowS()) fail('expired_token')
  return { kind: 'oauth', userId: grant.userId, clientId: grant.clientId, applicationToken: grant.applicationToken }
}
