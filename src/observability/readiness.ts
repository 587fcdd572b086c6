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
}

/** One check: undefined when fine, otherwise why the service cannot do its job. */
export type ReadinessCheck = () => string | undefined

/** Named readiness checks, evaluated on every `/readyz`. */
export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>()

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
    return { ok: reasons.length === 0, reasons }
  }
}

/** Not ready while the portal refuses every call of the bot (auth, bot ownership): an operator must act. */
export function portalAuthCheck(reads: { readonly portalError: RestError | undefined }): ReadinessCheck {
  return () => {
    const error = reads.portalError
    return error ? `the portal refuses the bot's calls with ${error.code}` : undefined
  }
}

/** Not ready while the portal's REST is blocked (503 OVERLOAD_LIMIT, a manual block). */
export function portalOverloadCheck(gate: { snapshot(): GateSnapshot }): ReadinessCheck {
  return () => (gate.snapshot().overloaded ? 'the portal blocks REST calls with OVERLOAD_LIMIT' : undefined)
}
