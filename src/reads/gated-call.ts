/**
 * Makes one REST call through the portal gate, for everything that is not a read (sends, polling, registration):
 * waits for a slot, reports the answer to the gate, and retries what the portal rejected before processing
 * (rate and operating limits); other transient failures are retried only for idempotent calls.
 */
import type { BitrixPort, RestCall, RestOutcome } from '../bitrix/port.js'
import { classifyError } from './classify.js'
import type { PortalGate } from './portal-gate.js'
import { slotReport } from './slot-report.js'

/** Retry settings for a gated call. */
export interface GatedCallOptions {
  /** Whether repeating the call after a timeout or 5xx is harmless (reads, gets: yes; sends: no). */
  readonly idempotent: boolean
  /** Attempts in all, including the first. */
  readonly attempts?: number
}

/** Calls `call` through `gate`; resolves with the last outcome (never throws for portal errors). */
export async function gatedCall<T>(
  gate: PortalGate,
  port: BitrixPort,
  call: RestCall,
  options: GatedCallOptions,
): Promise<RestOutcome<T>> {
  const attempts = options.attempts ?? 5
  let outcome: RestOutcome<T> = { ok: false, error: { code: 'NOT_CALLED', status: 0, message: 'No attempt was made' } }
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const slot = await gate.acquire(call.method)
    try {
      outcome = await port.call<T>(call)
    } catch (err) {
      outcome = { ok: false, error: { code: 'UNKNOWN_ERROR', status: 0, message: String(err).slice(0, 200) } }
    }
    const kind = outcome.ok ? undefined : classifyError(outcome.error)
    slot.done(
      slotReport(call.method, kind ? [kind] : [], outcome.time ? [{ method: call.method, time: outcome.time }] : []),
    )
    const retry = kind === 'rate-limit' || kind === 'operating-limit' || (kind === 'transient' && options.idempotent)
    if (!retry) return outcome
  }
  return outcome
}
