/**
 * Metrics of replicas sharing one Redis (`STATE_STORE=redis`): the shared limiter's waits and holds, and the read
 * leases and takeovers. With one process they stay at 0.
 */
import { Counter, type Registry } from 'prom-client'
import type { SharedGateObserver } from '../reads/shared-gate.js'

/** What the shared gate and the lease keeper report. */
export interface ReplicaMetrics extends Required<SharedGateObserver> {
  /** A dialog's read lease: taken, lost to another replica, or refused (held elsewhere). */
  lease(outcome: 'taken' | 'refused' | 'lost'): void
  /** A pending read of another replica (whose lease lapsed) was taken over by this one. */
  tookOver(): void
  /** Fetch mode: this replica took the turn to poll, or lost it to another. */
  pollerTurn(outcome: 'taken' | 'lost'): void
}

/** Registers the replica metrics on `registry`. */
export function replicaMetrics(registry: Registry, prefix: string): ReplicaMetrics {
  const waits = new Counter({
    name: `${prefix}shared_limiter_waits_total`,
    help: 'Requests the shared (Redis) limiter told to wait: the portal budget was spent by any replica, or a hold is on.',
    registers: [registry],
  })
  const waited = new Counter({
    name: `${prefix}shared_limiter_wait_seconds_total`,
    help: 'Seconds the shared limiter asked requests to wait, summed.',
    registers: [registry],
  })
  const holds = new Counter({
    name: `${prefix}shared_limiter_holds_total`,
    help: 'Holds passed on to every replica through the shared limiter, by kind (portal after 503/429, method after the operating limit).',
    labelNames: ['kind'],
    registers: [registry],
  })
  const errors = new Counter({
    name: `${prefix}shared_limiter_errors_total`,
    help: 'Calls to the shared limiter that failed (Redis unreachable); requests wait and ask again.',
    registers: [registry],
  })
  const leases = new Counter({
    name: `${prefix}read_leases_total`,
    help: 'Per-dialog read leases, by outcome (taken, refused: another replica reads the dialog, lost: taken over).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const takeovers = new Counter({
    name: `${prefix}read_takeovers_total`,
    help: 'Pending reads left by another replica (its lease lapsed) that this replica took over.',
    registers: [registry],
  })
  const turns = new Counter({
    name: `${prefix}poller_turns_total`,
    help: 'Fetch mode: turns to poll Event.get this replica took (taken) or lost to another replica (lost).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  return {
    onSharedWait(ms) {
      waits.inc()
      waited.inc(ms / 1000)
    },
    onSharedHold(kind) {
      holds.inc({ kind })
    },
    onSharedError() {
      errors.inc()
    },
    lease(outcome) {
      leases.inc({ outcome })
    },
    tookOver() {
      takeovers.inc()
    },
    pollerTurn(outcome) {
      turns.inc({ outcome })
    },
  }
}
