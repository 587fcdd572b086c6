/**
 * Per-dialog read leases shared by replicas, as the read path sees them: before a dialog's read is sent, its lease
 * is claimed (at most one read of a dialog in flight across replicas) and the shared confirmed watermark checked (a
 * read never goes below what any replica confirmed). With one process there are none; with `STATE_STORE=redis` it
 * is the fenced lease script (`store/redis-leases.ts`).
 */
import type { ReadTarget } from './read-method.js'

/** A claimed read: send it, then settle; or nothing to send, because the dialog is confirmed at or past the id. */
export type ReadClaim =
  | {
      readonly send: true
      /** After the answer: on success the confirmation is stored (fenced by the lease's token); the lease is given back. */
      settle(confirmed: boolean): Promise<void>
    }
  | { readonly send: false }

/** The leases of one portal's dialogs. */
export interface DialogLeases {
  /**
   * Claims the dialog's lease, waiting while another replica holds it (its read is in flight). Rejects when the
   * lease cannot be had in time or the shared store is unreachable: the read fails as transient and is retried.
   */
  claim(target: ReadTarget): Promise<ReadClaim>
}
