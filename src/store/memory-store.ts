/** An in-memory `StateStore` for tests and for `STATE_STORE=memory` (nothing survives the process). */
import { BoundedSet } from '../util/bounded.js'
import { PendingMarks } from './pending-marks.js'
import { recordLocally } from './record-locally.js'
import { type DialogMark, type EventRecord, type StateStore, StoreClosedError } from './state-store.js'

const keyOf = (botId: number, dialogId: string, portal?: string): string =>
  portal === undefined ? `${botId}|${dialogId}` : `${portal}|${botId}|${dialogId}`
const markKey = (mark: DialogMark): string => keyOf(mark.botId, mark.dialogId, mark.portal)

/** Keeps state in maps; `seenCapacity` bounds the remembered event keys. */
export class MemoryStore implements StateStore {
  readonly kind = 'memory'
  readonly #pending = new PendingMarks()
  readonly #confirmed = new Map<string, number>()
  readonly #seen: BoundedSet<string>
  readonly #offsets = new Map<string, number>()
  readonly #tenants = new Map<string, string>()
  #open = true

  constructor(options: { seenCapacity?: number } = {}) {
    this.#seen = new BoundedSet(options.seenCapacity ?? 100_000)
  }

  isOpen(): boolean {
    return this.#open
  }

  readonly shared = false

  unavailable(): string | undefined {
    return undefined
  }

  async recordEvent(eventKey: string | undefined, read: DialogMark | undefined): Promise<EventRecord> {
    return recordLocally(this, eventKey, read)
  }

  async savePending(mark: DialogMark): Promise<void> {
    this.#mustBeOpen()
    const current = this.#pending.get(mark)
    if (current === undefined || current < mark.messageId) this.#pending.set(mark)
  }

  async clearPending(mark: DialogMark): Promise<void> {
    if (!this.#open) return
    const current = this.#pending.get(mark)
    if (current !== undefined && current <= mark.messageId) this.#pending.delete(mark)
  }

  pendingReads(): DialogMark[] {
    return this.#pending.all()
  }

  async saveConfirmed(mark: DialogMark): Promise<void> {
    if (!this.#open) return
    const key = markKey(mark)
    if ((this.#confirmed.get(key) ?? 0) < mark.messageId) this.#confirmed.set(key, mark.messageId)
  }

  confirmedId(botId: number, dialogId: string, portal?: string): number {
    return this.#confirmed.get(keyOf(botId, dialogId, portal)) ?? 0
  }

  tenant(memberId: string): string | undefined {
    return this.#tenants.get(memberId)
  }

  tenantIds(): string[] {
    return [...this.#tenants.keys()]
  }

  async saveTenant(memberId: string, sealed: string): Promise<void> {
    this.#mustBeOpen()
    this.#tenants.set(memberId, sealed)
  }

  async replaceTenant(memberId: string, expected: string, sealed: string): Promise<boolean> {
    this.#mustBeOpen()
    if (this.#tenants.get(memberId) !== expected) return false
    this.#tenants.set(memberId, sealed)
    return true
  }

  async removeTenant(memberId: string): Promise<void> {
    this.#mustBeOpen()
    this.#tenants.delete(memberId)
    this.#pending.removePortal(memberId)
    const prefix = `${memberId}|`
    for (const key of this.#confirmed.keys()) if (key.startsWith(prefix)) this.#confirmed.delete(key)
  }

  async addSeenKey(key: string): Promise<void> {
    this.#mustBeOpen()
    this.#seen.add(key)
  }

  seenKeys(): string[] {
    return [...this.#seen]
  }

  offset(name: string): number | undefined {
    return this.#offsets.get(name)
  }

  async saveOffset(name: string, value: number): Promise<void> {
    this.#mustBeOpen()
    this.#offsets.set(name, value)
  }

  async flushed(): Promise<void> {}

  async close(): Promise<void> {
    this.#open = false
  }

  /** Writes that an acknowledgement depends on must fail loudly once the store is closed. */
  #mustBeOpen(): void {
    if (!this.#open) throw new StoreClosedError()
  }
}
