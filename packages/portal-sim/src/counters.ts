import type { FaultKind } from './types.js'

/** The request-level counters behind `portal.stats()`. */
export interface Counters {
  requests: number
  byMethod: Record<string, number>
  batches: number
  rejected503: number
  rejected429: number
  rejected401: number
  faults: Partial<Record<FaultKind, number>>
  droppedConnections: number
}

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
  }
}

/** Adds one to `record[key]`. */
export function bump<K extends string>(record: Partial<Record<K, number>>, key: K): void {
  record[key] = (record[key] ?? 0) + 1
}
