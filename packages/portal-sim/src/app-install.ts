import { randomBytes } from 'node:crypto'
import type { PortalEnv } from './context.js'
import type { OAuthTokens } from './oauth-tokens.js'

/** What `portal.installApp` makes: the `ONAPPINSTALL` event Bitrix24 posts, and the install's secrets. */
export interface AppInstall {
  /** `{event: 'ONAPPINSTALL', data: {VERSION, LANGUAGE_ID}, ts, auth: {...the full OAuth set}}`. */
  event: { event: string; data: Record<string, string>; ts: string; auth: Record<string, string> }
  applicationToken: string
  accessToken: string
  refreshToken: string
}

/**
 * An administrator installs an OAuth app: a fresh grant (the install's tokens) and the `ONAPPINSTALL` event, whose
 * `data` is only `{VERSION, LANGUAGE_ID}` and whose tokens are in `auth`; each install has its own application_token.
 */
export function installApp(
  tokens: OAuthTokens,
  env: PortalEnv,
  spec: { clientId: string; clientSecret?: string; userId?: number; nowS: number },
): AppInstall {
  const applicationToken = randomBytes(16).toString('hex')
  const grant = tokens.add(
    {
      accessToken: randomBytes(24).toString('hex'),
      refreshToken: randomBytes(16).toString('hex'),
      clientId: spec.clientId,
      ...(spec.clientSecret === undefined ? {} : { clientSecret: spec.clientSecret }),
      expiresAt: spec.nowS + 3600,
      userId: spec.userId ?? 1,
      applicationToken,
    },
    env.memberId,
    `${env.url}/rest/`,
  )
  return {
    applicationToken,
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    event: {
      event: 'ONAPPINSTALL',
      data: { VERSION: '1', LANGUAGE_ID: 'en' },
      ts: String(spec.nowS),
      auth: {
        access_token: grant.accessToken,
        expires: String(grant.expiresAt),
        expires_in: '3600',
        scope: grant.scope,
        domain: env.domain,
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        status: 'L',
        client_endpoint: `${env.url}/rest/`,
        member_id: env.memberId,
        user_id: String(grant.userId),
        refresh_token: grant.refreshToken,
        application_token: applicationToken,
      },
    },
  }
}

/** The `ONAPPUNINSTALL` event: `data{LANGUAGE_ID, CLEAN}`, and in `auth` only the portal and the install's token. */
export function uninstallEvent(env: PortalEnv, applicationToken: string, nowS: number): AppInstall['event'] {
  return {
    event: 'ONAPPUNINSTALL',
    data: { LANGUAGE_ID: 'en', CLEAN: '0' },
    ts: String(nowS),
    auth: { domain: env.domain, member_id: env.memberId, application_token: applicationToken },
  }
}
