/**
 * The on-disk `StateStore`: one LMDB environment (`<dir>/state.mdb`) with a named database per concern.
 * Writes are lmdb-js's batched asynchronous commits: every write issued in one event turn goes into one
 * transaction, committed on a worker thread. `overlappingSync: false` makes a commit return only after the
 * fsync, so a resolved write has survived both a killed process and a lost machine.
 * @see https://github.com/kriszyp/lmdb-js#readme
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Database, open, type RootDatabase } from 'lmdb'
import {
  type ConfirmedValue,
  type DialogKey,
  dbKey,
  dialogOf,
  keyOf,
  markDbKey,
  markKey,
  positiveInt,
} from './lmdb-keys.js'
import { SeenLog } from './lmdb-seen-log.js'
import { PendingMarks } from './pending-marks.js'
import { recordLocally } from './record-locally.js'
import { type DialogMark, type EventRecord, type StateStore, StoreClosedError } from './state-store.js'

/** Where and how much to keep. */
export interface LmdbStoreOptions {
  /** Directory of the database files (`STATE_DIR`); created if missing. */
  readonly dir: string
  /** Most event keys remembered for dedupe (oldest forgotten first). */
  readonly seenCapacity?: number
  /** Most confirmed watermarks kept across restarts (least recently confirmed forgotten first, at open). */
  readonly confirmedCapacity?: number
}

/** Pruning is best effort: a failed removal only keeps an old entry a while longer. */
const ignore = (): void => {}

/** The LMDB-backed store; open it with `LmdbStore.open`. */
export class LmdbStore implements StateStore {
  readonly kind = 'lmdb'
  readonly #root: RootDatabase
  readonly #pendingDb: Database<number, DialogKey>
  readonly #confirmedDb: Database<ConfirmedValue, DialogKey>
  readonly #seen: SeenLog
  readonly #metaDb: Database<number, string>
  readonly #tenantDb: Database<string, string>
  /** Mirror of the pending watermarks, so raising and clearing need no read of uncommitted data. */
  readonly #pending = new PendingMarks()
  /** Confirmed watermarks written but maybe not yet visible to reads. */
  readonly #confirmedWriting = new Map<string, number>()
  #open = true

  private constructor(root: RootDatabase, options: LmdbStoreOptions) {
    this.#root = root
    this.#pendingDb = root.openDB<number, DialogKey>({ name: 'pending' })
    this.#confirmedDb = root.openDB<ConfirmedValue, DialogKey>({ name: 'confirmed' })
    this.#seen = new SeenLog(root.openDB<string, number>({ name: 'seen' }), options.seenCapacity ?? 100_000)
    this.#metaDb = root.openDB<number, string>({ name: 'meta' })
    this.#tenantDb = root.openDB<string, string>({ name: 'tenants' })
  }

  /** Opens (or creates) the store in `options.dir` and loads what it needs in memory. */
  static async open(options: LmdbStoreOptions): Promise<LmdbStore> {
    mkdirSync(options.dir, { recursive: true })
    const root = open({ path: join(options.dir, 'state.mdb'), maxDbs: 8, overlappingSync: false, compression: false })
    const store = new LmdbStore(root, options)
    await store.#load(options.confirmedCapacity ?? 1_000_000)
    return store
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
    if (current !== undefined && current >= mark.messageId) {
      // A higher mark is stored or being stored: wait for every write so far, that one included.
      await this.#root.committed
      return
    }
    this.#pending.set(mark)
    try {
      await this.#pendingDb.put(markDbKey(mark), mark.messageId)
    } catch (err) {
      // The mirror must not claim what the disk lacks; undo unless a later (higher) write has replaced this mark.
      if (this.#pending.get(mark) === mark.messageId) this.#pending.restore(mark, current)
      throw err
    }
  }

  async clearPending(mark: DialogMark): Promise<void> {
    if (!this.#open) return
    const current = this.#pending.get(mark)
    if (current === undefined || current > mark.messageId) return
    this.#pending.delete(mark)
    try {
      await this.#pendingDb.remove(markDbKey(mark))
    } catch (err) {
      // Still on disk, so still pending in the mirror (unless a new mark was set meanwhile).
      if (this.#pending.get(mark) === undefined) this.#pending.restore(mark, current)
      throw err
    }
  }

  pendingReads(): DialogMark[] {
    return this.#pending.all()
  }

  async saveConfirmed(mark: DialogMark): Promise<void> {
    if (!this.#open || this.confirmedId(mark.botId, mark.dialogId, mark.portal) >= mark.messageId) return
    const key = markKey(mark)
    this.#confirmedWriting.set(key, mark.messageId)
    try {
      await this.#confirmedDb.put(markDbKey(mark), {
        id: mark.messageId,
        at: Math.floor(Date.now() / 1000),
      })
    } finally {
      if (this.#confirmedWriting.get(key) === mark.messageId) this.#confirmedWriting.delete(key)
    }
  }

  confirmedId(botId: number, dialogId: string, portal?: string): number {
    const writing = this.#confirmedWriting.get(keyOf(botId, dialogId, portal)) ?? 0
    if (!this.#open) return writing
    const stored = this.#confirmedDb.get(dbKey(botId, dialogId, portal))
    return Math.max(writing, positiveInt(stored?.id) ?? 0)
  }

  tenant(memberId: string): string | undefined {
    if (!this.#open) return undefined
    const value = this.#tenantDb.get(memberId)
    return typeof value === 'string' ? value : undefined
  }

  tenantIds(): string[] {
    if (!this.#open) return []
    return [...this.#tenantDb.getKeys()].filter((key): key is string => typeof key === 'string')
  }

  async saveTenant(memberId: string, sealed: string): Promise<void> {
    this.#mustBeOpen()
    await this.#tenantDb.put(memberId, sealed)
  }

  async replaceTenant(memberId: string, expected: string, sealed: string): Promise<boolean> {
    this.#mustBeOpen()
    const db = this.#tenantDb
    // Read and written in one write transaction, so no other write to the record comes between.
    return db.transaction(() => {
      if (db.get(memberId) !== expected) return false
      db.putSync(memberId, sealed)
      return true
    })
  }

  async removeTenant(memberId: string): Promise<void> {
    this.#mustBeOpen()
    const writes: Promise<unknown>[] = [this.#tenantDb.remove(memberId)]
    for (const mark of this.#pending.removePortal(memberId)) writes.push(this.#pendingDb.remove(markDbKey(mark)))
    for (const key of this.#confirmedDb.getKeys({ start: [memberId], end: [`${memberId}\u0000`] })) {
      writes.push(this.#confirmedDb.remove(key))
    }
    await Promise.all(writes)
  }

  async addSeenKey(key: string): Promise<void> {
    this.#mustBeOpen()
    await this.#seen.add(key)
  }

  seenKeys(): string[] {
    return this.#open ? this.#seen.keys() : []
  }

  offset(name: string): number | undefined {
    if (!this.#open) return undefined
    const value = this.#metaDb.get(`offset:${name}`)
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined
  }

  async saveOffset(name: string, value: number): Promise<void> {
    this.#mustBeOpen()
    await this.#metaDb.put(`offset:${name}`, value)
  }

  async flushed(): Promise<void> {
    if (this.#open) await this.#root.flushed
  }

  async close(): Promise<void> {
    if (!this.#open) return
    this.#open = false
    await this.#root.committed
    await this.#root.close()
  }

  /** Writes that an acknowledgement depends on must fail loudly once the store is closed. */
  #mustBeOpen(): void {
    if (!this.#open) throw new StoreClosedError()
  }

  async #load(confirmedCapacity: number): Promise<void> {
    for (const { key, value } of this.#pendingDb.getRange()) {
      const dialog = dialogOf(key)
      const messageId = positiveInt(value)
      if (dialog === undefined || messageId === undefined) continue
      this.#pending.set({ ...dialog, messageId })
    }
    this.#seen.load()
    const confirmedCount = this.#confirmedDb.getCount()
    if (confirmedCount > confirmedCapacity) {
      const all: Array<{ key: DialogKey; at: number }> = []
      for (const { key, value } of this.#confirmedDb.getRange()) all.push({ key, at: Number(value?.at) || 0 })
      all.sort((a, b) => a.at - b.at)
      for (const { key } of all.slice(0, confirmedCount - confirmedCapacity))
        this.#confirmedDb.remove(key).catch(ignore)
      await this.#root.committed
    }
  }
}
