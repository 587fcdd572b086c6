/** Metrics of the read scheduler: coalescing (messages per read request), read lag, dropped and parked reads. */
import { Counter, Histogram, type Registry } from 'prom-client'
import type { ReadObserver } from '../reads/read-scheduler.js'
import { codeLabel } from './code-label.js'

/** Registers the read metrics on `registry` and returns the scheduler observer that feeds them. */
export function readMetrics(registry: Registry, prefix: string): ReadObserver {
  const requests = new Counter({
    name: `${prefix}read_requests_total`,
    help: 'Read requests (a single read or a batch of reads), by kind (single, batch) and outcome (ok, error).',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  })
  const covered = new Counter({
    name: `${prefix}read_request_messages_total`,
    help: 'Messages covered by read requests; divided by read_requests_total it is the coalescing ratio.',
    registers: [registry],
  })
  const perRequest = new Histogram({
    name: `${prefix}read_messages_per_request`,
    help: 'Messages covered by one read request (single or batch).',
    buckets: [1, 2, 3, 5, 10, 20, 50, 100, 250, 1000],
    registers: [registry],
  })
  const dialogsPerRequest = new Histogram({
    name: `${prefix}read_dialogs_per_request`,
    help: 'Dialogs carried by one read request (1 for a single call, up to 50 in a batch).',
    buckets: [1, 2, 5, 10, 20, 35, 50],
    registers: [registry],
  })
  const confirmed = new Counter({
    name: `${prefix}messages_read_total`,
    help: 'Messages the portal confirmed read.',
    registers: [registry],
  })
  const lag = new Histogram({
    name: `${prefix}read_lag_seconds`,
    help: 'Time from the receipt of the oldest message a read covered to the portal confirming the read.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  })
  const dropped = new Counter({
    name: `${prefix}reads_dropped_total`,
    help: 'Reads dropped because the dialog is gone for the bot, by error class (dialog-gone) and code.',
    labelNames: ['class', 'code'],
    registers: [registry],
  })
  const parked = new Counter({
    name: `${prefix}reads_parked_total`,
    help: 'Reads parked after failing past READ_PARK_AFTER_MS: kept stored and retried later, by code.',
    labelNames: ['code'],
    registers: [registry],
  })
  return {
    onCall(info) {
      requests.inc({ kind: info.batch ? 'batch' : 'single', outcome: info.ok ? 'ok' : 'error' })
      covered.inc(info.messages)
      perRequest.observe(info.messages)
      dialogsPerRequest.observe(info.dialogs)
    },
    onConfirmed(_target, info) {
      confirmed.inc(info.messages)
      lag.observe(Math.max(0, info.lagMs) / 1000)
    },
    onDropped(_target, error, kind) {
      dropped.inc({ class: kind, code: codeLabel(error.code) })
    },
    onParked(_target, error) {
      parked.inc({ code: codeLabel(error.code) })
    },
  }
}
