/**
 * The parts replicas share through Redis: each portal's rate budget (the portal's own `B24_RATE_*` figures, never
 * divided by replicas), the per-dialog read leases, the pending reads for the takeover sweep, and fetch mode's
 * poller turn.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import type { PollerTurn } from '../intake/poller-turn.js'
import type { ReplicaParts } from '../reads/replica-parts.js'
import { redisBudget } from './redis-budget.js'
import { redisLeases } from './redis-leases.js'
import { redisPollerTurn } from './redis-poller-turn.js'
import type { RedisStore } from './redis-store.js'

/** The settings the shared parts read (the config's fields of these names; declared here so store/ needs no config). */
export interface ReplicaSettings {
  /** OAuth mode scopes each portal's leases by its `member_id`, as the store scopes its watermarks. */
  readonly authMode: 'webhook' | 'oauth'
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
  const owner = replicaOwner()
  const ttlMs = settings.requestTimeoutMs + LEASE_MARGIN_MS
  const leaseOptions = { owner, ttlMs, maxWaitMs: ttlMs, ...(onLease ? { onLease } : {}) }
  const unscoped = redisLeases(store, leaseOptions)
  return {
    budget: (portalKey) => redisBudget(store, portalKey, figures),
    leases: (portalKey) =>
      settings.authMode === 'oauth' ? redisLeases(store, { ...leaseOptions, portal: portalKey }) : unscoped,
    pendingReads: () => store.sharedPendingReads(),
    takeoverIntervalMs: settings.takeoverIntervalMs,
  }
}

/** A name for this replica in the leases it holds: host, pid and a random part. */
function replicaOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
}

/**
 * The poller lease's time: how long a killed poller's queue may go unpolled before a standby takes over. Twice the
 * takeover sweep interval (the same notion of "how fast a dead replica's work moves"), at least 2 s so a replica
 * on a loaded host does not lose its turn between two renewals.
 */
export function pollerLeaseMs(settings: Pick<ReplicaSettings, 'takeoverIntervalMs'>): number {
  return Math.max(2_000, 2 * settings.takeoverIntervalMs)
}

/** Fetch mode's turn to poll the named queue on `store` (one poller at a time across replicas). */
export function redisPollerTurns(
  store: RedisStore,
  settings: Pick<ReplicaSettings, 'takeoverIntervalMs'>,
  log: Logger,
  onTurn?: (outcome: 'taken' | 'lost') => void,
): (queue: string) => PollerTurn {
  const owner = replicaOwner()
  const ttlMs = pollerLeaseMs(settings)
  return (queue) => redisPollerTurn(store, queue, { owner, ttlMs, log, ...(onTurn ? { onTurn } : {}) })
}
