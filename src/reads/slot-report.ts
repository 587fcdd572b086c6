/** What the portal gate is told about a request, from the classes of the errors its answer carried. */
import type { RestTime } from '../bitrix/port.js'
import type { ErrorClass } from './classify.js'
import type { SlotReport } from './portal-gate.js'

/**
 * The report for one request of `method`: `kinds` holds the class of every error in its answer (none for a
 * success; a batch can carry several), `times` the answer's `time` blocks.
 */
export function slotReport(
  method: string,
  kinds: Iterable<ErrorClass>,
  times: ReadonlyArray<{ readonly method: string; readonly time: RestTime }>,
): SlotReport {
  const seen = new Set(kinds)
  return {
    rateLimited: seen.has('rate-limit'),
    overloaded: seen.has('overload'),
    failed: seen.has('transient'),
    times,
    ...(seen.has('operating-limit') ? { operatingBlocked: [method] } : {}),
  }
}
