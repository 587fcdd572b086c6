/**
 * What replicas sharing one store (`STATE_STORE=redis`) add to a portal's outbound side: the shared rate budget,
 * the per-dialog read leases, and the pending reads to take over from a replica that died.
 */
import type { DialogLeases } from './dialog-leases.js'
import type { ReadRequest } from './read-contract.js'
import type { SharedBudget } from './shared-budget.js'

/** The shared parts of a replica; built by `real-parts.ts` from the Redis store. */
export interface ReplicaParts {
  /** The portal's rate budget, shared by every replica. */
  budget(portalKey: string): SharedBudget
  /** The portal's per-dialog read leases. */
  leases(portalKey: string): DialogLeases
  /** Every pending read in the shared store, whoever accepted it (with its portal's `member_id` in OAuth mode). */
  pendingReads(): Promise<Array<ReadRequest & { readonly portal?: string }>>
  /** How often the pending reads are swept for takeover. */
  readonly takeoverIntervalMs: number
}
