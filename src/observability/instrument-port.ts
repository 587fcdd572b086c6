/** Wraps a `BitrixPort` so every REST request (reads, batches, handler calls, polls) is counted and timed once. */
import type { BatchOutcome, BitrixPort, RestCall, RestOutcome } from '../bitrix/port.js'
import type { RestMetrics } from './rest-metrics.js'

/** Returns a port that records each request in `rest` and otherwise behaves like `port`. */
export function instrumentPort(
  port: BitrixPort,
  rest: RestMetrics,
  now: () => number = () => performance.now(),
): BitrixPort {
  return {
    portal: port.portal,
    async call<T>(call: RestCall): Promise<RestOutcome<T>> {
      const started = now()
      const outcome = await port.call<T>(call)
      rest.request(call.method, outcome.ok ? undefined : outcome.error.code, (now() - started) / 1000)
      return outcome
    },
    async batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome> {
      const started = now()
      const outcome = await port.batch(calls)
      rest.request('batch', outcome.ok ? undefined : outcome.error.code, (now() - started) / 1000)
      if (outcome.ok) {
        for (const [key, result] of outcome.results) {
          const method = calls.get(key)?.method ?? 'other'
          rest.batchCommand(method, result.ok ? undefined : result.error.code)
        }
      }
      return outcome
    },
  }
}
