/**
 * Readiness as a set of named checks: `/readyz` answers 200 only when every check passes, otherwise 503 with
 * each failing check's reason. Checks are added where their subject is built (the store adds `store`, the
 * service adds `shutdown` and the portal checks, see `service-readiness.ts`); a check that throws counts as failing.
 */
import type { RestError } from '../bitrix/port.js'
import type { GateSnapshot } from '../reads/portal-gate.js'

/** Readiness: ok, or the reasons the service cannot do its job now. */
export interface Readiness {
  readonly ok: boolean
  readonly reasons: readonly string[]
  /** Problems that do not make the service unready (one portal among many), listed for an operator to act on. */
  readonly details?: readonly string[]
}

/** Notices that do not fail readiness: each line says what is wrong where and what to do. */
export type ReadinessNotice = () => readonly string[]

/** One check: undefined when fine, otherwise why the service cannot do its job. */
export type ReadinessCheck = () => string | undefined

/** Named readiness checks, evaluated on every `/readyz`. */
export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>()
  readonly #notices = new Map<string, ReadinessNotice>()

  /** Adds or replaces the notices called `name` (listed under `details`, never failing readiness). */
  notice(name: string, notice: ReadinessNotice): this {
    this.#notices.set(name, notice)
    return this
  }

  /** Adds or replaces the check called `name`. */
  set(name: string, check: ReadinessCheck): this {
    this.#checks.set(name, check)
    return this
  }

  /** Removes the check called `name`. */
  delete(name: string): void {
    this.#checks.delete(name)
  }

  /** Runs every check; reasons read `<name>: <reason>`. */
  evaluate(): Readiness {
    const reasons: string[] = []
    for (const [name, check] of this.#checks) {
      let reason: string | undefined
      try {
        reason = check()
      } catch {
        reason = 'the check itself failed'
      }
      if (reason !== undefined) reasons.push(`${name}: ${reason}`)
    }
    const details: string[] = []
    for (const [name, notice] of this.#notices) {
      try {
        for (const line of notice()) details.push(`${name}: ${line}`)
      } catch {
        details.push(`${name}: the notice itself failed`)
      }
    }
    return { ok: reasons.length === 0, reasons, ...(details.length > 0 ? { details } : {}) }
  }
}

/** What an operator does about a configuration error, by code (see the runbook in docs/OPERATIONS.md). */
const FIX_OF: Readonly<Record<string, string>> = {
  BOT_OWNERSHIP_ERROR: 'set B24_BOT_TOKEN to the bot token now registered (it was rotated?) and restart',
  BOT_TOKEN_NOT_SPECIFIED: 'set B24_BOT_TOKEN and restart',
  BOT_NOT_FOUND: 'the bot is not registered on the portal: register it again, set B24_BOT_ID, restart',
  NO_AUTH_FOUND: 'the webhook URL (B24_WEBHOOK_URL) is revoked or wrong: create a new one and restart',
  INVALID_CREDENTIALS: 'the webhook user lacks rights: check B24_WEBHOOK_URL and restart',
  insufficient_scope: 'give the webhook or app the "imbot" scope, then restart',
  PAYMENT_REQUIRED: "the portal's plan does not allow REST: renew the plan",
  NO_BOT_TOKEN:
    "B24_READ_METHOD=im.dialog.read reads only with the bot's own tokens from v1 events: reads resume with the bot's next message (or use imbot.v2.Chat.Message.read)",
}

/**
 * Not ready while a configuration error pauses the portal's reads (auth, bot ownership, scope, plan): says what an
 * operator should do; the reads are kept and sent once it works again.
 */
export function portalAuthCheck(reads: { readonly portalError: RestError | undefined }): ReadinessCheck {
  return () => {
    const error = reads.portalError
    if (error === undefined) return undefined
    const fix = FIX_OF[error.code] ?? 'fix the portal, webhook or bot configuration (see the runbook)'
    return `reads paused: the portal refuses the bot's calls with ${error.code}; ${fix}. Pending reads are kept`
  }
}

/** Not ready while the portal's REST is blocked (503 OVERLOAD_LIMIT, a manual block). */
export function portalOverloadCheck(gate: { snapshot(): GateSnapshot }): ReadinessCheck {
  return () => (gate.snapshot().overloaded ? 'the portal blocks REST calls with OVERLOAD_LIMIT' : undefined)
}
