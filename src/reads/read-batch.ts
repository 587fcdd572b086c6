/**
 * Sends the reads of several dialogs as one request: a single call for one dialog, otherwise one `batch` (halt=0)
 * whose commands each get their own outcome. Never throws: a port that throws (a bug) becomes a transient error
 * instead of a stuck slot.
 * @see https://apidocs.bitrix24.com/api-reference/how-to-call-rest-api/batch.html
 */
import type { BitrixPort, RestError, RestOutcome } from '../bitrix/port.js'
import type { ReadMethod, ReadTarget } from './read-method.js'

/** Most commands Bitrix24 accepts in one `batch`. */
export const BATCH_LIMIT = 50

/** Each item with its outcome, in order; `whole` is the error of a `batch` request that failed as a whole. */
export interface BatchAnswer<T> {
  readonly outcomes: ReadonlyArray<readonly [T, RestOutcome]>
  readonly whole: RestError | undefined
}

/** Sends the items' reads (at most `BATCH_LIMIT`) and pairs each item with its outcome. */
export async function sendReads<T extends { readonly target: ReadTarget; readonly wholeDialog: boolean }>(
  port: BitrixPort,
  readMethod: ReadMethod,
  items: readonly T[],
): Promise<BatchAnswer<T>> {
  const [only] = items
  if (only !== undefined && items.length === 1) {
    return {
      outcomes: [[only, await safely(() => port.call(readMethod.build(only.target, only.wholeDialog)))]],
      whole: undefined,
    }
  }
  const calls = new Map(items.map((item, i) => [`r${i}`, readMethod.build(item.target, item.wholeDialog)]))
  const res = await safely(() => port.batch(calls))
  if (!res.ok) return { outcomes: items.map((item) => [item, { ok: false, error: res.error }]), whole: res.error }
  return { outcomes: items.map((item, i) => [item, res.results.get(`r${i}`) ?? missingResult()]), whole: undefined }
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
