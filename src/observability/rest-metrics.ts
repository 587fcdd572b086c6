/** Metrics of the REST requests to the portal: by method, outcome and Bitrix24 error code, with their duration. */
import { Counter, Histogram, type Registry } from 'prom-client'
import { codeLabel } from './code-label.js'

/** Records REST requests. */
export interface RestMetrics {
  /** One HTTP request to the portal (`batch` for a batch); `code` is undefined when it succeeded. */
  request(method: string, code: string | undefined, seconds: number): void
  /** One command inside a batch answer. */
  batchCommand(method: string, code: string | undefined): void
}

/** A method name as a label: REST method names only (they come from code, never from events). */
export function methodLabel(method: string): string {
  return /^[A-Za-z][\w.]{0,79}$/.test(method) ? method : 'other'
}

/** Registers the REST metrics on `registry`. */
export function restMetrics(registry: Registry, prefix: string): RestMetrics {
  const requests = new Counter({
    name: `${prefix}rest_requests_total`,
    help: 'REST requests sent to the portal, by method (batch for batches), outcome (ok, error) and Bitrix24 error code.',
    labelNames: ['method', 'outcome', 'code'],
    registers: [registry],
  })
  const commands = new Counter({
    name: `${prefix}rest_batch_commands_total`,
    help: 'Commands inside batch answers, by method, outcome and Bitrix24 error code.',
    labelNames: ['method', 'outcome', 'code'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: `${prefix}rest_request_duration_seconds`,
    help: 'Duration of REST requests to the portal (after the limiter granted the slot), by method.',
    labelNames: ['method'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  })
  return {
    request(method, code, seconds) {
      const m = methodLabel(method)
      requests.inc({ method: m, outcome: code === undefined ? 'ok' : 'error', code: codeLabel(code) })
      duration.observe({ method: m }, seconds)
    },
    batchCommand(method, code) {
      commands.inc({ method: methodLabel(method), outcome: code === undefined ? 'ok' : 'error', code: codeLabel(code) })
    },
  }
}
