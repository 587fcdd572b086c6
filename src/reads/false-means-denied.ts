/**
 * `im.dialog.read` answers `result: false` instead of an error when the calling user has no access to the dialog.
 * This port wrapper turns that answer into `ACCESS_DENIED`, so the read scheduler drops the read instead of
 * counting it as confirmed.
 * @see https://apidocs.bitrix24.com/api-reference/chats/messages/im-dialog-read.html
 */
import type { BatchOutcome, BitrixPort, RestCall, RestOutcome } from '../bitrix/port.js'

const DENIED = {
  code: 'ACCESS_DENIED',
  status: 200,
  message: 'im.dialog.read answered false: the calling user has no access to this dialog',
} as const

/** Wraps `port` so that a `false` result of `method` becomes an `ACCESS_DENIED` error. */
export function falseMeansDenied(port: BitrixPort, method = 'im.dialog.read'): BitrixPort {
  const wanted = method.toLowerCase()
  const check = <T>(call: RestCall, outcome: RestOutcome<T>): RestOutcome<T> =>
    outcome.ok && outcome.result === false && call.method.toLowerCase() === wanted
      ? { ok: false, error: DENIED, time: outcome.time }
      : outcome
  return {
    portal: port.portal,
    async call<T>(call: RestCall): Promise<RestOutcome<T>> {
      return check(call, await port.call<T>(call))
    },
    async batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome> {
      const outcome = await port.batch(calls)
      if (!outcome.ok) return outcome
      const results = new Map<string, RestOutcome>()
      for (const [key, result] of outcome.results) {
        const call = calls.get(key)
        results.set(key, call ? check(call, result) : result)
      }
      return { ok: true, results }
    },
  }
}
