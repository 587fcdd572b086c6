/**
 * The parts replicas share through Redis: each portal's rate budget (the portal's own `B24_RATE_*` figures, never
 * divided by replicas), the per-dialog read leases, and the pending reads for the takeover sweep.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { ReplicaParts } from '../reads/replica-parts.js'
import { redisBudget } from './redis-budget.js'
import { redisLeases } from './redis-leases.js'
import type { RedisStore } from './redis-store.js'

/** The settings the shared parts read (the config's fields of these names; declared here so store/ needs no config). */
export interface ReplicaSettings {
  readonly rateBurst: number
  readonly ratePerSec: number
  readonly requestTimeoutMs: number
  readonly takeoverIntervalMs: number
}

/** Extra lease time beyond the request timeout, so a slow answer still confirms under its lease. */
const LEASE_MARGIN_MS = 5_000

/** Builds the shared parts on `store`; `onLease` is told each lease outcome (metrics). */
export function redisReplicaParts(
  store: RedisStore,
  settings: ReplicaSettings,
  onLease?: (outcome: 'taken' | 'refused' | 'lost') => void,
): ReplicaParts {
  const figures = { burst: settings.rateBurst, perSec: settings.ratePerSec }
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  const ttlMs = settings.requestTimeoutMs + LEASE_MARGIN_MS
  const leases = redisLeases(store, {
    owner,
    ttlMs,
    maxWaitMs: ttlMs,
    ...(onLease ? { onLease } : {}),
  })
  return {
    budget: (portalKey) => redisBudget(store, portalKey, figures),
    leases: () => leases,
    pendingReads: () => store.sharedPendingReads(),
    takeoverIntervalMs: settings.takeoverIntervalMs,
  }
}
