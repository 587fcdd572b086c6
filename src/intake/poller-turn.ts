/**
 * Fetch mode across replicas: the turn to poll `imbot.v2.Event.get`, held by one replica at a time (a lease with an
 * expiry, renewed while held), and the queue's offset kept with it, saved only under the newest turn so a replica
 * that lost its turn while stalled cannot move the offset back. `store/redis-poller-turn.ts` implements it.
 */
import type { OffsetStore } from '../store/offset-store.js'

/** The answer to `take`: held (`fresh` when it is a new turn, whose offset must be loaded again), or the wait. */
export type TurnAttempt =
  | { readonly held: true; readonly fresh: boolean }
  | { readonly held: false; readonly retryMs: number }

/** The poller's turn and the offset saved under it. */
export interface PollerTurn extends OffsetStore {
  /** Becomes (or stays) the poller; when another replica polls, how long until its lease may lapse. */
  take(): Promise<TurnAttempt>
  /** Whether this replica holds the turn now (false once it lapsed by the local clock or another replica took it). */
  held(): boolean
  /** Gives the turn up so a standby replica takes over at once (shutdown); never throws. */
  release(): Promise<void>
}
