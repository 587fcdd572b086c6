/**
 * The service's `/readyz` checks: not shutting down, the portal accepts the bot's calls and is not blocking REST
 * (with several portals: not every one of them fails), the state store is open, the portal is reachable, and in
 * fetch mode `Event.get` works.
 */
import type { RestError } from '../bitrix/port.js'
import { everyPortal, type PortalRegistry } from '../reads/portal-registry.js'
import type { ConnectionWatch } from './connection-watch.js'
import { portalAuthCheck, portalOverloadCheck, ReadinessChecks } from './readiness.js'

/** At most this many portals are listed by name under `/readyz` details; the rest are counted. */
const LISTED_INSTALL_ISSUES = 20

/** What the checks look at. */
export interface ServiceReadinessSubjects {
  readonly shuttingDown: () => boolean
  readonly portals: PortalRegistry
  readonly store: { isOpen(): boolean; unavailable(): string | undefined }
  readonly connections: ConnectionWatch
  /** Fetch mode's poller; undefined in webhook mode. */
  readonly poller: { readonly lastError: RestError | undefined } | undefined
}

/** Builds the named checks behind `/readyz`. */
export function serviceReadiness(subjects: ServiceReadinessSubjects): ReadinessChecks {
  const { portals, store, poller } = subjects
  const readiness = new ReadinessChecks()
    .set('shutdown', () => (subjects.shuttingDown() ? 'the service is shutting down' : undefined))
    .set(
      'portal-auth',
      everyPortal(portals, (e) => portalAuthCheck(e.reads)()),
    )
    .set(
      'portal-overload',
      everyPortal(portals, (e) => portalOverloadCheck(e.gate)()),
    )
    .set('state-store', () => (store.isOpen() ? store.unavailable() : 'the state store is closed'))
    .set('portal-connection', subjects.connections.check)
  const { installIssues } = portals
  if (installIssues) {
    readiness.notice('bot-registration', () => {
      const issues = installIssues()
      const lines = issues
        .slice(0, LISTED_INSTALL_ISSUES)
        .map((i) => `portal ${i.portal} installed but bot not registered: ${i.code}, ${i.advice}`)
      const more = issues.length - lines.length
      if (more > 0) lines.push(`and ${more} more portals (b24_autoread_portals_bot_unregistered, and the logs)`)
      return lines
    })
  }
  if (poller) {
    readiness.set('fetch', () => (poller.lastError ? `Event.get fails with ${poller.lastError.code}` : undefined))
  }
  return readiness
}
