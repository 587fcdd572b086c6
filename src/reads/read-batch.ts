/**
 * Sends the reads of several dialogs as one request: a single call for one dialog, otherwise one `batch` (halt=0)
 * whose commands each get their own outcome. Never throws: a port that throws (a bug) becomes a transient error
 * instead of a stuck slot.
 * @see https://apidocs.bitrix24.com/api-reference/how-to-call-rest-api/batch.html
 */
import type { BitrixPort, RestError, RestOutcome, RestTime } from '../bitrix/port.js'
import type { ErrorClass } from './classify.js'
import type { SlotReport } from './portal-gate.js'
import type { ReadMethod, ReadTarget } from './read-method.js'

/** Most commands Bitrix24 accepts in one `batch`. */
export const BATCH_LIMIT = 50

/** Each item with its outcome, in order; `whole` is the error of a `batch` request that failed as a whole. */
export interface BatchAnswer<T> {
  readonly outcomes: ReadonlyArray<readonly [T, RestOutcome]>
  readonly whole: RestError | undefined
}

/** Sends the items' reads (at most `BATCH_LIMIT`) and pairs each item with its outcome. */
export async function sendReads<T extends { readonly target: ReadTarget }>(
  port: BitrixPort,
  readMethod: ReadMethod,
  items: readonly T[],
): Promise<BatchAnswer<T>> {
  const [only] = items
  if (only !== undefined && items.length === 1) {
    return { outcomes: [[only, await safely(() => port.call(readMethod.build(only.target)))]], whole: undefined }
  }
  const calls = new Map(items.map((item, i) => [`r${i}`, readMethod.build(item.target)]))
  const res = await safely(() => port.batch(calls))
  if (!res.ok) return { outcomes: items.map((item) => [item, { ok: false, error: res.error }]), whole: res.error }
  return { outcomes: items.map((item, i) => [item, res.results.get(`r${i}`) ?? missingResult()]), whole: undefined }
}

/** What the gate learns from one read request: the error classes of its commands and their `time` blocks. */
export function readSlotReport(
  method: string,
  kinds: ReadonlySet<ErrorClass>,
  outcomes: ReadonlyArray<readonly [unknown, RestOutcome]>,
): SlotReport {
  const times: Array<{ method: string; time: RestTime }> = []
  for (const [, outcome] of outcomes) if (outcome.time) times.push({ method, time: outcome.time })
  return {
    rateLimited: kinds.has('rate-limit'),
    overloaded: kinds.has('overload'),
    failed: kinds.has('transient'),
    times,
    ...(kinds.has('operating-limit') ? { operatingBlocked: [method] } : {}),
  }
}

async function safely<T extends { ok: boolean }>(fn: () => Promise<T>): Promise<T | { ok: false; error: RestError }> {
  try {
    return await fn()
  } catch (err) {
    return { ok: false, error: { code: 'UNKNOWN_ERROR', status: 0, message: String(err).slice(0, 200) } }
  }
}

function missingResult(): RestOutcome {
  return { ok: false, error: { code: 'ERROR_UNEXPECTED_ANSWER', status: 500, message: 'No result for this command' } }
}
