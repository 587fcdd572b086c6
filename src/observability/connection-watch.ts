/**
 * Remembers, per portal host, whether the last REST request failed in a way that is a configuration problem and
 * not an outage: the portal's TLS certificate is not trusted, or its host name does not exist. The scheduler
 * retries such failures like any network error, so without this check `/readyz` would stay 200 while no read
 * can ever succeed.
 */
import type { ReadinessCheck } from './readiness.js'

/** Transport codes that retrying cannot fix, with what the operator should check. */
const CONFIG_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed and not trusted: set B24_CA_FILE',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is not trusted: set B24_CA_FILE to its CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate chain is incomplete or not trusted: set B24_CA_FILE',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is not valid for this host name',
  ENOTFOUND: 'its host name does not resolve: check B24_WEBHOOK_URL',
}

/** Tracks the last REST outcome per portal host. */
export class ConnectionWatch {
  readonly #failing = new Map<string, string>()

  /** Records one request's outcome: `code` is undefined on success. */
  observe(portal: string, code: string | undefined): void {
    if (code !== undefined && code in CONFIG_ERRORS) this.#failing.set(portal, code)
    else this.#failing.delete(portal)
  }

  /** Not ready while some portal's last request failed with a configuration error. */
  readonly check: ReadinessCheck = () => {
    const [portal, code] = this.#failing.entries().next().value ?? []
    if (portal === undefined || code === undefined) return undefined
    return `cannot reach the portal ${portal}: ${CONFIG_ERRORS[code]} (${code})`
  }
}
