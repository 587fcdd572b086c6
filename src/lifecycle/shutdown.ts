/**
 * The graceful shutdown: intake stops (the webhook answers 503, the poller stops), the pipeline drains, pending reads
 * are flushed, the fetch offset is saved, in-flight requests finish, and the store closes, all within one deadline.
 * What is not read by then stays in the store for the next start.
 */
import type { Logger } from 'pino'
import { HttpError } from '../errors.js'
import type { PortalRegistry } from '../reads/portal-registry.js'
import type { StateStore } from '../store/state-store.js'
import { waitAtMost } from '../util/wait-at-most.js'

/** What the shutdown sequence stops, in this order. */
export interface ShutdownSteps {
  /** The deadline shared by every step (`SHUTDOWN_TIMEOUT_MS`). */
  readonly timeoutMs: number
  /** Fetch mode's poller; undefined in webhook mode. */
  readonly poller: { stop(): Promise<void> } | undefined
  readonly lanes: { idle(): Promise<void> }
  readonly portals: PortalRegistry
  /** Fetch mode's progress, whose offset is saved before the store closes. */
  readonly progress: { flushed(): Promise<void> } | undefined
  readonly app: { close(): Promise<unknown> }
  readonly store: StateStore
  readonly log: Logger
  readonly now?: () => number
}

/** Whether the service is shutting down, and the one sequence that does it. */
export class Shutdown {
  #closing: Promise<void> | undefined
  #started = false

  /** True from the first `run()` on: `/readyz` fails and the webhook refuses events. */
  get started(): boolean {
    return this.#started
  }

  /** Runs `sequence` on the first call; every call returns the same promise. */
  run(sequence: () => Promise<void>): Promise<void> {
    this.#started = true
    this.#closing ??= sequence()
    return this.#closing
  }
}

/** Wraps the webhook's `accept`: once shutdown started, events get a 503 (Bitrix24 may retry them later). */
export function refuseWhenClosing<A extends unknown[], R>(
  shutdown: Shutdown,
  accept: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) => (shutdown.started ? Promise.reject(new HttpError('SHUTTING_DOWN')) : accept(...args))
}

/** Stops everything in order within `timeoutMs`; health and metrics stay served until the drain is over. */
export async function drain(steps: ShutdownSteps): Promise<void> {
  const now = steps.now ?? Date.now
  const deadline = now() + steps.timeoutMs
  const remaining = () => Math.max(0, deadline - now())
  await waitAtMost(steps.poller?.stop() ?? Promise.resolve(), remaining())
  await waitAtMost(steps.lanes.idle(), remaining())
  let left = 0
  for (const entry of steps.portals.entries()) left += await entry.reads.flush(remaining())
  for (const entry of steps.portals.entries()) {
    entry.gate.close()
    entry.reads.close()
  }
  // The offset of every event settled by now is saved before the store closes.
  await waitAtMost(steps.progress?.flushed() ?? Promise.resolve(), remaining())
  // Requests still in flight finish (or time out) before the store they write to closes.
  await waitAtMost(steps.app.close(), Math.max(remaining(), 1_000))
  const kept = steps.store.pendingReads().length
  await steps.store.close()
  steps.log.info({ pendingDialogs: left, keptInStore: kept }, 'b24-autoread stopped')
}
