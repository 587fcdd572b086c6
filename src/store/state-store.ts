/**
 * The state store port: what must survive a restart so that no acknowledged message stays unread. Pending read
 * watermarks (written before the 200), confirmed watermarks (so a restart never reads a dialog backwards),
 * recently seen event keys (dedupe) and named offsets (fetch mode). Implementations: `lmdb-store.ts` on disk,
 * `memory-store.ts` for tests, `redis-store.ts` shared by replicas.
 */

import { AppError } from '../errors.js'

/** A write that must be durable was attempted after the store was closed. */
export class StoreClosedError extends AppError {
  constructor() {
    super('STORE_CLOSED')
    this.name = 'StoreClosedError'
  }
}

/** The store could not be reached (Redis down or unreachable): the caller answers 503 and retries later. */
export class StoreUnavailableError extends AppError {
  constructor(cause: unknown) {
    super('STORE_UNAVAILABLE', { message: 'The state store is unreachable; retry later', cause })
    this.name = 'StoreUnavailableError'
  }
}

/**
 * One dialog's read watermark: everything up to and including `messageId`. `portal` is the `member_id` of an OAuth
 * app's portal (every key of an OAuth deployment is scoped by it); absent for the one portal of webhook auth.
 */
export interface DialogMark {
  readonly portal?: string
  readonly botId: number
  readonly dialogId: string
  readonly messageId: number
}

/** What recording an event found (see `StateStore.recordEvent`). */
export interface EventRecord {
  /** False when the event's key was recorded before, by this or another replica: a duplicate, run nothing. */
  readonly isNew: boolean
  /** True when the event's read is now pending in the store; false when none was asked or it is confirmed already. */
  readonly readOwed: boolean
}

/**
 * Durable state of the service. Writes resolve once durable. After `close()`, the writes an acknowledgement
 * depends on (`savePending`, `addSeenKey`, `saveOffset`) reject with `StoreClosedError`; clearing and
 * confirming are ignored (a read confirmed then is at worst sent again after the restart).
 */
export interface StateStore {
  /** Which implementation this is, for logs and metrics. */
  readonly kind: 'lmdb' | 'memory' | 'redis'
  /** False once closed (or when opening failed); readiness reports it. */
  isOpen(): boolean
  /** True when several replicas share this store: `recordEvent` decides dedupe, before the event runs. */
  readonly shared: boolean
  /** Why the store cannot take writes right now (e.g. Redis is reconnecting), for `/readyz`; undefined when it can. */
  unavailable(): string | undefined

  /**
   * Records an event before it is acknowledged, durable once it resolves: its dedupe key (when it has one) and the
   * read it owes (when given; not kept at or below the dialog's confirmed id). A shared store does both in one
   * atomic step, so a duplicate delivered to two replicas at once is new for exactly one of them.
   */
  recordEvent(eventKey: string | undefined, read: DialogMark | undefined): Promise<EventRecord>

  /** Raises the dialog's pending watermark to `mark.messageId` (never lowers it). */
  savePending(mark: DialogMark): Promise<void>
  /** Clears the dialog's pending watermark if it is at or below `mark.messageId` (a higher one arrived meanwhile). */
  clearPending(mark: DialogMark): Promise<void>
  /** Every pending watermark, as stored. */
  pendingReads(): DialogMark[]

  /** Raises the dialog's confirmed watermark (the portal said it is read up to this id). */
  saveConfirmed(mark: DialogMark): Promise<void>
  /** The highest confirmed id stored for the dialog (of `portal`, when scoped), 0 when none. */
  confirmedId(botId: number, dialogId: string, portal?: string): number

  /** Remembers a seen event key (dedupe); only the most recent keys are kept. */
  addSeenKey(key: string): Promise<void>
  /** The remembered event keys, oldest first. */
  seenKeys(): string[]

  /** A named offset (fetch mode's last event id), undefined when never saved. */
  offset(name: string): number | undefined
  saveOffset(name: string, value: number): Promise<void>

  /** An OAuth portal's install record, sealed (encrypted by `tenants/token-box.ts`); undefined when none. */
  tenant(memberId: string): string | undefined
  /** Every OAuth portal with an install record. */
  tenantIds(): string[]
  /** Stores (or replaces) a portal's sealed install record. */
  saveTenant(memberId: string, sealed: string): Promise<void>
  /**
   * Replaces a portal's sealed install record only while the store still holds `expected` (another replica may
   * have changed or removed it since it was read); answers whether it did.
   */
  replaceTenant(memberId: string, expected: string, sealed: string): Promise<boolean>
  /** Forgets a portal: its install record and every pending and confirmed watermark scoped by it. */
  removeTenant(memberId: string): Promise<void>
  /**
   * A shared store only: reads a portal's install record again, so `tenant()` answers what another replica stored
   * (installed, reinstalled, forgotten); rejects with `StoreUnavailableError` when the store cannot be reached.
   */
  reloadTenant?(memberId: string): Promise<void>

  /** Resolves when every write issued so far is durable. */
  flushed(): Promise<void>
  /** Waits for pending writes, then closes; later writes are ignored. */
  close(): Promise<void>
}
