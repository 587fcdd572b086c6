/**
 * The Redis store's in-memory mirror: what the port's synchronous reads answer from (pending and confirmed
 * watermarks, seen event keys, offsets, sealed tenants). Loaded at open; updated after each acknowledged write of
 * this replica, so it is exact for one replica and misses the writes of others.
 */
import type { Redis } from 'ioredis'
import type { DialogMark } from '../state-store.js'
import { markOf, scanHash } from './hash-scan.js'
import { dialogField, type RedisKeys } from './keys.js'

/** One replica's view of the shared store. */
export class RedisMirror {
  /** Dialog field -> pending watermark. */
  readonly pending = new Map<string, DialogMark>()
  /** Dialog field -> confirmed message id. */
  readonly confirmed = new Map<string, number>()
  /** Offset name -> value. */
  readonly offsets = new Map<string, number>()
  /** Member id -> sealed tokens. */
  readonly tenants = new Map<string, string>()
  readonly #seen = new Set<string>()
  readonly #seenCapacity: number

  /** `seenCapacity`: most event keys remembered (oldest forgotten first). */
  constructor(seenCapacity: number) {
    this.#seenCapacity = seenCapacity
  }

  /** Loads every hash of the deployment and the newest seen keys. */
  async load(client: Redis, keys: RedisKeys): Promise<void> {
    for (const [field, value] of await scanHash(client, keys.pending)) {
      const mark = markOf(field, value)
      if (mark !== undefined) this.pending.set(field, mark)
    }
    for (const [field, value] of await scanHash(client, keys.confirmed)) {
      const mark = markOf(field, value)
      if (mark !== undefined) this.confirmed.set(field, mark.messageId)
    }
    for (const key of await client.zrange(keys.seen, String(-this.#seenCapacity), '-1')) this.#seen.add(key)
    for (const [memberId, sealed] of await scanHash(client, keys.tenants)) this.tenants.set(memberId, sealed)
    for (const [name, value] of await scanHash(client, keys.offsets)) {
      const n = Number(value)
      if (Number.isSafeInteger(n)) this.offsets.set(name, n)
    }
  }

  /** Raises the dialog's pending watermark to the mark (never lowers it). */
  raisePending(mark: DialogMark): void {
    const key = dialogField(mark)
    const current = this.pending.get(key)
    if (current === undefined || current.messageId < mark.messageId) this.pending.set(key, { ...mark })
  }

  /** Forgets the dialog's pending watermark if it is not above `messageId`. */
  clearPending(key: string, messageId: number): void {
    const current = this.pending.get(key)
    if (current !== undefined && current.messageId <= messageId) this.pending.delete(key)
  }

  /** Raises the dialog's confirmed id (never lowers it). */
  raiseConfirmed(key: string, messageId: number): void {
    if ((this.confirmed.get(key) ?? 0) < messageId) this.confirmed.set(key, messageId)
  }

  /** Forgets a portal's tenant and every watermark scoped to it. */
  dropPortal(memberId: string): void {
    this.tenants.delete(memberId)
    const prefix = `${memberId}|`
    for (const key of this.pending.keys()) if (key.startsWith(prefix)) this.pending.delete(key)
    for (const key of this.confirmed.keys()) if (key.startsWith(prefix)) this.confirmed.delete(key)
  }

  /** Remembers an event key as the newest, forgetting the oldest over the bound. */
  remember(key: string): void {
    this.#seen.delete(key)
    this.#seen.add(key)
    if (this.#seen.size > this.#seenCapacity) {
      const oldest = this.#seen.values().next().value
      if (oldest !== undefined) this.#seen.delete(oldest)
    }
  }

  /** The event keys remembered, oldest first. */
  seenKeys(): string[] {
    return [...this.#seen]
  }
}
