/** Wraps a `BitrixPort` so every REST request (reads, batches, handler calls, polls) is counted and timed once. */
import type { BatchOutcome, BitrixPort, RestCall, RestOutcome } from '../bitrix/port.js'
import type { ConnectionWatch } from './connection-watch.js'
import type { RestMetrics } from './rest-metrics.js'

/** Options of `instrumentPort`. */
export interface InstrumentOptions {
  readonly now?: () => number
  /** Also told every outcome, to spot configuration errors (untrusted TLS certificate, unknown host). */
  readonly watch?: ConnectionWatch
}

/** Returns a port that records each request in `rest` and otherwise behaves like `port`. */
export function instrumentPort(port: BitrixPort, rest: RestMetrics, options: InstrumentOptions = {}): BitrixPort {
  const now = options.now ?? (() => performance.now())
  const record = (method: string, code: string | undefined, started: number) => {
    rest.request(method, code, (now() - started) / 1000)
    options.watch?.observe(port.portal, code)
  }
  return {
    portal: port.portal,
    async call<T>(call: RestCall): Promise<RestOutcome<T>> {
      const started = now()
      const outcome = await port.call<T>(call)
      record(call.method, outcome.ok ? undefined : outcome.error.code, started)
      return outcome
    },
    async batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome> {
      const started = now()
      const outcome = await port.batch(calls)
      record('batch', outcome.ok ? undefined : outcome.error.code, started)
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
