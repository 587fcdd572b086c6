/**
 * The `StateStore` on Redis, shared by replicas. Every write resolves only after Redis has acknowledged it (and,
 * with `appendonly yes` and `appendfsync always`, written it to its disk). The port's synchronous reads
 * (`pendingReads`, `confirmedId`, `seenKeys`, `offset`) are answered from an in-memory mirror loaded at open and
 * updated after each acknowledged write of this replica, as the LMDB store does. That is exact for one replica;
 * with several, the mirror misses the others' writes, so the shared decisions (dedupe, pending, confirmation)
 * are taken by the scripts in `redis/` on the server, and the port's reads become async when replicas share work.
 */
import type { Redis } from 'ioredis'
import { recordEventOnce } from './redis/event-once.js'
import { markOf, removeScoped, scanHash } from './redis/hash-scan.js'
import { DEFAULT_KEY_PREFIX, dialogField, type RedisKeys, redisKeys } from './redis/keys.js'
import { RedisMirror } from './redis/mirror.js'
import { createRedisClient } from './redis/redis-client.js'
import { replaceTenantIf } from './redis/replace-tenant.js'
import { RedisReplyError } from './redis/reply.js'
import { clearWatermark, raiseWatermark } from './redis/watermarks.js'
import {
  type DialogMark,
  type EventRecord,
  type StateStore,
  StoreClosedError,
  StoreUnavailableError,
} from './state-store.js'

/** Where Redis is and how much to keep. */
export interface RedisStoreOptions {
  /** `REDIS_URL`: `redis://` or `rediss://`, with user, password and database number as needed. */
  readonly url: string
  /** `REDIS_KEY_PREFIX`, so several deployments can share one server (default `b24ar:`). */
  readonly prefix?: string
  /** Most event keys remembered for dedupe (oldest forgotten first). */
  readonly seenCapacity?: number
  /** Connection errors while the client reconnects by itself (log them; the URL is never included). */
  readonly onError?: (err: Error) => void
  /** A command unanswered for this long rejects with `StoreUnavailableError` (default 5 s). */
  readonly commandTimeoutMs?: number
  /** PEM certificates to trust for a `rediss://` server besides Node's default roots. */
  readonly ca?: string
}

const ignore = (): void => {}

/** The Redis-backed store; open it with `RedisStore.open`. */
export class RedisStore implements StateStore {
  readonly kind = 'redis'
  /** The connected client, for the lease and limiter scripts of the same deployment. */
  readonly client: Redis
  /** The key names under this deployment's prefix. */
  readonly keys: RedisKeys
  readonly #mirror: RedisMirror
  readonly #writes = new Set<Promise<unknown>>()
  readonly #seenCapacity: number
  #open = true

  private constructor(client: Redis, keys: RedisKeys, seenCapacity: number) {
    this.client = client
    this.keys = keys
    this.#seenCapacity = seenCapacity
    this.#mirror = new RedisMirror(seenCapacity)
  }

  /** Connects, loads the mirror, and resolves with the store; rejects with `StoreUnavailableError` when unreachable. */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    let client: Redis
    try {
      client = await createRedisClient({
        url: options.url,
        onError: options.onError ?? ignore,
        ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      })
    } catch (err) {
      throw new StoreUnavailableError(err)
    }
    const store = new RedisStore(
      client,
      redisKeys(options.prefix ?? DEFAULT_KEY_PREFIX),
      options.seenCapacity ?? 100_000,
    )
    try {
      await store.#mirror.load(client, store.keys)
    } catch (err) {
      client.disconnect()
      throw new StoreUnavailableError(err)
    }
    return store
  }

  isOpen(): boolean {
    return this.#open
  }

  readonly shared = true

  unavailable(): string | undefined {
    const status = this.client.status
    return !this.#open || status === 'ready' ? undefined : `Redis is unreachable (connection ${status}); reconnecting`
  }

  async savePending(mark: DialogMark): Promise<void> {
    this.#mustBeOpen()
    await this.#write(() => raiseWatermark(this.client, this.keys.pending, dialogField(mark), mark.messageId))
    this.#mirror.raisePending(mark)
  }

  async clearPending(mark: DialogMark): Promise<void> {
    if (!this.#open) return
    const key = dialogField(mark)
    await this.#write(() => clearWatermark(this.client, this.keys.pending, key, mark.messageId))
    this.#mirror.clearPending(key, mark.messageId)
  }

  pendingReads(): DialogMark[] {
    return [...this.#mirror.pending.values()]
  }

  async saveConfirmed(mark: DialogMark): Promise<void> {
    if (!this.#open) return
    const key = dialogField(mark)
    await this.#write(() => raiseWatermark(this.client, this.keys.confirmed, key, mark.messageId))
    this.#mirror.raiseConfirmed(key, mark.messageId)
  }

  confirmedId(botId: number, dialogId: string, portal?: string): number {
    return (
      this.#mirror.confirmed.get(
        dialogField(portal === undefined ? { botId, dialogId } : { portal, botId, dialogId }),
      ) ?? 0
    )
  }

  tenant(memberId: string): string | undefined {
    return this.#mirror.tenants.get(memberId)
  }

  tenantIds(): string[] {
    return [...this.#mirror.tenants.keys()]
  }

  async saveTenant(memberId: string, sealed: string): Promise<void> {
    this.#mustBeOpen()
    await this.#write(() => this.client.hset(this.keys.tenants, memberId, sealed))
    this.#mirror.tenants.set(memberId, sealed)
  }

  async replaceTenant(memberId: string, expected: string, sealed: string): Promise<boolean> {
    this.#mustBeOpen()
    const replaced = await this.#write(() =>
      replaceTenantIf(this.client, this.keys.tenants, memberId, expected, sealed),
    )
    if (replaced) this.#mirror.tenants.set(memberId, sealed)
    return replaced
  }

  async reloadTenant(memberId: string): Promise<void> {
    this.#mustBeOpen()
    const sealed = await this.#write(() => this.client.hget(this.keys.tenants, memberId))
    if (sealed === null) this.#mirror.tenants.delete(memberId)
    else this.#mirror.tenants.set(memberId, sealed)
  }

  async removeTenant(memberId: string): Promise<void> {
    this.#mustBeOpen()
    await this.#write(() => removeScoped(this.client, this.keys, memberId))
    this.#mirror.dropPortal(memberId)
  }

  async addSeenKey(key: string): Promise<void> {
    this.#mustBeOpen()
    await this.#write(() => recordEventOnce(this.client, this.keys, key, this.#seenCapacity))
    this.#mirror.remember(key)
  }

  /**
   * Records an event key and the read it owes in one atomic step, for replicas sharing intake: `isNew` is false
   * when any replica recorded the key first (answer `duplicate`).
   */
  async recordEvent(eventKey: string | undefined, read?: DialogMark): Promise<EventRecord> {
    this.#mustBeOpen()
    if (eventKey === undefined) {
      if (read === undefined) return { isNew: true, readOwed: false }
      await this.savePending(read)
      return { isNew: true, readOwed: true }
    }
    const record = await this.#write(() => recordEventOnce(this.client, this.keys, eventKey, this.#seenCapacity, read))
    if (record.isNew) this.#mirror.remember(eventKey)
    if (record.readOwed && read !== undefined) this.#mirror.raisePending(read)
    return record
  }

  /**
   * Every pending read in Redis, whoever wrote it: what a replica scans to take over the reads of one that died
   * (each under its read lease). Async, unlike the port's `pendingReads()`, which is this replica's mirror.
   */
  async sharedPendingReads(): Promise<DialogMark[]> {
    const marks: DialogMark[] = []
    try {
      for (const [field, value] of await scanHash(this.client, this.keys.pending)) {
        const mark = markOf(field, value)
        if (mark !== undefined) marks.push(mark)
      }
    } catch (err) {
      throw new StoreUnavailableError(err)
    }
    return marks
  }

  seenKeys(): string[] {
    return this.#mirror.seenKeys()
  }

  offset(name: string): number | undefined {
    return this.#mirror.offsets.get(name)
  }

  async saveOffset(name: string, value: number): Promise<void> {
    this.#mustBeOpen()
    await this.#write(() => this.client.hset(this.keys.offsets, name, value))
    this.#mirror.offsets.set(name, value)
  }

  async flushed(): Promise<void> {
    await Promise.allSettled([...this.#writes])
  }

  async close(): Promise<void> {
    if (!this.#open) return
    this.#open = false
    await this.flushed()
    try {
      await this.client.quit()
    } catch {
      this.client.disconnect()
    }
  }

  /** Writes that an acknowledgement depends on must fail loudly once the store is closed. */
  #mustBeOpen(): void {
    if (!this.#open) throw new StoreClosedError()
  }

  /** Runs one write, tracked for `flushed()`; a connection failure becomes `StoreUnavailableError`. */
  async #write<T>(run: () => Promise<T>): Promise<T> {
    const write = run()
    this.#writes.add(write)
    try {
      return await write
    } catch (err) {
      throw err instanceof RedisReplyError ? err : new StoreUnavailableError(err)
    } finally {
      this.#writes.delete(write)
    }
  }
}
