/**
 * Verifies a portal with the configured OAuth server: the event's refresh token is exchanged, and the answer (never
 * the event body) says which portal the tokens belong to and where its REST endpoint is. A portal is trusted only
 * when that answer names the portal the event claims, with a usable https endpoint.
 */
import type { Logger } from 'pino'
import type { RefreshedGrant } from '../bitrix/oauth-server.js'
import { RestCallError } from '../bitrix/rest-call-error.js'
import { HttpError } from '../errors.js'
import type { TenantRecord } from './tenant-record.js'

/** What an event presents for a portal without a matching record. */
export interface PortalClaim {
  readonly refreshToken: string | undefined
  /** The `member_id` the event names. */
  readonly claimed: string
  /** The event's application token, kept in the record for later events and the uninstall. */
  readonly applicationToken: string | undefined
}

const validEndpoint = (url: string | undefined): url is string => {
  if (url === undefined || !/^https:\/\/[^/\s]+/.test(url)) return false
  return URL.canParse(url)
}

/** The trusted record of the claimed portal, from the OAuth server's answer; rejects with `HttpError` 401/403/503. */
export async function verifiedRecord(
  refresh: (refreshToken: string) => Promise<RefreshedGrant>,
  log: Logger,
  { refreshToken, claimed, applicationToken }: PortalClaim,
): Promise<TenantRecord> {
  if (refreshToken === undefined || refreshToken === '') throw new HttpError('PORTAL_UNVERIFIED')
  let grant: RefreshedGrant
  try {
    grant = await refresh(refreshToken)
  } catch (err) {
    if (err instanceof RestCallError && err.status >= 400 && err.status < 500) {
      throw new HttpError('PORTAL_UNVERIFIED', { cause: err })
    }
    log.warn({ err, portal: claimed }, 'the OAuth server could not verify a portal')
    throw new HttpError('OAUTH_SERVER_UNAVAILABLE', { cause: err })
  }
  if (grant.memberId !== claimed) {
    log.warn({ portal: claimed, tokensOf: grant.memberId }, 'event refused: its tokens belong to another portal')
    throw new HttpError('PORTAL_MISMATCH')
  }
  if (!validEndpoint(grant.clientEndpoint)) {
    log.warn({ portal: claimed }, 'the OAuth server named no usable client_endpoint for the portal')
    throw new HttpError('OAUTH_SERVER_UNAVAILABLE')
  }
  return {
    memberId: claimed,
    clientEndpoint: grant.clientEndpoint,
    applicationToken: applicationToken ?? '',
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expires: grant.expires,
  }
}
