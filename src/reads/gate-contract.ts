/** What the portal gate hands out and takes back: slots, their reports, and a read-only view of the gate. */
import type { RestTime } from '../bitrix/port.js'

/** What happened to the request a slot was used for. */
export interface SlotReport {
  /** The slot was not used: its token is given back. */
  readonly unused?: boolean
  /** The portal answered 503 QUERY_LIMIT_EXCEEDED or a 429 rate answer. */
  readonly rateLimited?: boolean
  /** The portal answered 503 OVERLOAD_LIMIT. */
  readonly overloaded?: boolean
  /** 5xx, timeout or dropped connection. */
  readonly failed?: boolean
  /** `time` blocks per method from the answer (batch answers carry one per command). */
  readonly times?: ReadonlyArray<{ readonly method: string; readonly time: RestTime }>
  /** Methods the portal refused with 429 OPERATION_TIME_LIMIT. */
  readonly operatingBlocked?: readonly string[]
}

/** Permission to send one request; report what happened exactly once. */
export interface Slot {
  done(report?: SlotReport): void
}

/** Who asks for a slot: a read of the scheduler, or any other call (first in line, with its reserve). */
export type SlotKind = 'call' | 'read'

/** A read-only view for metrics and readiness. */
export interface GateSnapshot {
  readonly tokens: number
  readonly inFlight: number
  readonly waiting: number
  readonly cooldownMs: number
  readonly overloaded: boolean
  readonly heldMethods: readonly string[]
}
