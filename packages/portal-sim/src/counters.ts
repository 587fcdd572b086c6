import type { PortalStats } from './types.js'

/** The request-level counters behind `portal.stats()` (the rest of it comes from the read ledger and the bucket). */
export type Counters = Pick<
  PortalStats,
  | 'requests'
  | 'byMethod'
  | 'batches'
  | 'rejected503'
  | 'rejected429'
  | 'rejected401'
  | 'faults'
  | 'droppedConnections'
  | 'foreignTokens'
>

/** Fresh zeroed counters. */
export function newCounters(): Counters {
  return {
    requests: 0,
    byMethod: {},
    batches: 0,
    rejected503: 0,
    rejected429: 0,
    rejected401: 0,
    faults: {},
    droppedConnections: 0,
    foreignTokens: 0,
  }
}

/** Adds one to `record[key]`. */
export function bump<K extends string>(record: Partial<Record<K, number>>, key: K): void {
  record[key] = (record[key] ?? 0) + 1
}
