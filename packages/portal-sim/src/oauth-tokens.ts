import { randomBytes } from 'node:crypto'
import type { OAuthTokenSpec } from './types.js'

/** An OAuth access grant the portal accepts. */
export interface OAuthGrant {
  accessToken: string
  refreshToken: string
  clientId: string
  expiresAt: number
  memberId: string
  userId: number
  scope: string
  /** The REST endpoint of the grant's portal (`<portal.url>/rest/`), as the OAuth server answers it. */
  clientEndpoint: string | undefined
  /** The app install's `application_token` (what the app's events carry), when the grant came from an install. */
  applicationToken: string | undefined
}

/** Why a refresh was refused, as Bitrix24's OAuth server names it. */
export type RefreshFailure = 'invalid_grant' | 'invalid_client'

const token = (): string => randomBytes(16).toString('hex')

/**
 * Access and refresh tokens of OAuth apps, with client secrets for `/oauth/token/`. One instance may be shared by an
 * OAuth server and several portals (as Bitrix24's one OAuth server serves every portal): each grant knows its portal.
 */
export class OAuthTokens {
  readonly #byAccess = new Map<string, OAuthGrant>()
  readonly #byRefresh = new Map<string, OAuthGrant>()
  readonly #secrets = new Map<string, string>()

  /** Registers a grant (and the app's secret when given). */
  add(spec: OAuthTokenSpec, memberId: string, clientEndpoint?: string): OAuthGrant {
    const grant: OAuthGrant = {
      accessToken: spec.accessToken,
      refreshToken: spec.refreshToken ?? token(),
      clientId: spec.clientId,
      expiresAt: spec.expiresAt,
      memberId: spec.memberId ?? memberId,
      userId: spec.userId ?? 1,
      scope: spec.scope ?? 'imbot,im',
      clientEndpoint,
      applicationToken: spec.applicationToken,
    }
    if (spec.clientSecret !== undefined) this.#secrets.set(spec.clientId, spec.clientSecret)
    this.#byAccess.set(grant.accessToken, grant)
    this.#byRefresh.set(grant.refreshToken, grant)
    return grant
  }

  /** Ends every refresh token of a portal (as after 180 days unused): refreshes then get `invalid_grant`. */
  expireRefreshTokens(memberId: string): void {
    for (const [key, grant] of this.#byRefresh) if (grant.memberId === memberId) this.#byRefresh.delete(key)
  }

  /** Finds the grant of an access token. */
  lookup(accessToken: string): OAuthGrant | undefined {
    return this.#byAccess.get(accessToken)
  }

  /** Exchanges a refresh token for a new grant; the old refresh token stops working, the old access token lives on. */
  refresh(clientId: string, clientSecret: string, refreshToken: string, nowS: number): OAuthGrant | RefreshFailure {
    const current = this.#byRefresh.get(refreshToken)
    if (!current) return 'invalid_grant'
    const secret = this.#secrets.get(clientId)
    if (current.clientId !== clientId || (secret !== undefined && secret !== clientSecret)) return 'invalid_client'
    this.#byRefresh.delete(refreshToken)
    const next: OAuthGrant = { ...current, accessToken: token(), refreshToken: token(), expiresAt: nowS + 3600 }
    this.#byAccess.set(next.accessToken, next)
    this.#byRefresh.set(next.refreshToken, next)
    return next
  }
}
