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
import { type DialogMark, type StateStore, StoreClosedError } from './state-store.js'

/** Where and how much to keep. */
export interface LmdbStoreOptions {
  /** Directory of the database files (`STATE_DIR`); created if missing. */
  readonly dir: string
  /** Most event keys remembered for dedupe (oldest forgotten first). */
  readonly seenCapacity?: number
  /** Most confirmed watermarks kept across restarts (least recently confirmed forgotten first, at open). */
  readonly confirmedCapacity?: number
}

type DialogKey = [number, string]
interface ConfirmedValue {
  readonly id: number
  readonly at: number
}

const keyOf = (botId: number, dialogId: string): string => `${botId}|${dialogId}`

/** The dialog of a mirror key (the bot id is digits, so the first `|` ends it). */
function markOf(key: string, messageId: number): DialogMark {
  const bar = key.indexOf('|')
  return { botId: Number(key.slice(0, bar)), dialogId: key.slice(bar + 1), messageId }
}

function dialogKey(key: unknown): DialogKey | undefined {
  if (!Array.isArray(key) || key.length !== 2) return undefined
  const [botId, dialogId] = key as unknown[]
  return typeof botId === 'number' && typeof dialogId === 'string' ? [botId, dialogId] : undefined
}

/** Pruning is best effort: a failed removal only keeps an old entry a while longer. */
const ignore = (): void => {}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/** The LMDB-backed store; open it with `LmdbStore.open`. */
export class LmdbStore implements StateStore {
  readonly kind = 'lmdb'
  readonly #root: RootDatabase
  readonly #pendingDb: Database<number, DialogKey>
  readonly #confirmedDb: Database<ConfirmedValue, DialogKey>
  readonly #seenDb: Database<string, number>
  readonly #metaDb: Database<number, string>
  /**
   * Mirror of the pending watermarks (key -> message id: one small entry per dialog), so raising and clearing need
   * no read of uncommitted data.
   */
  readonly #pending = new Map<string, number>()
  /** Confirmed watermarks written but maybe not yet visible to reads. */
  readonly #confirmedWriting = new Map<string, number>()
  readonly #seenCapacity: number
  #seenSeq = 0
  #seenCount = 0
  #open = true

  private constructor(root: RootDatabase, options: LmdbStoreOptions) {
    this.#root = root
    this.#pendingDb = root.openDB<number, DialogKey>({ name: 'pending' })
    this.#confirmedDb = root.openDB<ConfirmedValue, DialogKey>({ name: 'confirmed' })
    this.#seenDb = root.openDB<string, number>({ name: 'seen' })
    this.#metaDb = root.openDB<number, string>({ name: 'meta' })
    this.#seenCapacity = options.seenCapacity ?? 100_000
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

  async savePending(mark: DialogMark): Promise<void> {
    this.#mustBeOpen()
    const key = keyOf(mark.botId, mark.dialogId)
    const current = this.#pending.get(key)
    if (current !== undefined && current >= mark.messageId) {
      // A higher mark is stored or being stored: wait for every write so far, that one included.
      await this.#root.committed
      return
    }
    this.#pending.set(key, mark.messageId)
    await this.#pendingDb.put([mark.botId, mark.dialogId], mark.messageId)
  }

  async clearPending(mark: DialogMark): Promise<void> {
    if (!this.#open) return
    const key = keyOf(mark.botId, mark.dialogId)
    const current = this.#pending.get(key)
    if (current === undefined || current > mark.messageId) return
    this.#pending.delete(key)
    await this.#pendingDb.remove([mark.botId, mark.dialogId])
  }

  pendingReads(): DialogMark[] {
    return Array.from(this.#pending, ([key, messageId]) => markOf(key, messageId))
  }

  async saveConfirmed(mark: DialogMark): Promise<void> {
    if (!this.#open || this.confirmedId(mark.botId, mark.dialogId) >= mark.messageId) return
    const key = keyOf(mark.botId, mark.dialogId)
    this.#confirmedWriting.set(key, mark.messageId)
    try {
      await this.#confirmedDb.put([mark.botId, mark.dialogId], {
        id: mark.messageId,
        at: Math.floor(Date.now() / 1000),
      })
    } finally {
      if (this.#confirmedWriting.get(key) === mark.messageId) this.#confirmedWriting.delete(key)
    }
  }

  confirmedId(botId: number, dialogId: string): number {
    const writing = this.#confirmedWriting.get(keyOf(botId, dialogId)) ?? 0
    if (!this.#open) return writing
    const stored = this.#confirmedDb.get([botId, dialogId])
    return Math.max(writing, positiveInt(stored?.id) ?? 0)
  }

  async addSeenKey(key: string): Promise<void> {
    this.#mustBeOpen()
    const write = this.#seenDb.put(++this.#seenSeq, key)
    this.#seenCount++
    // Prune in steps (10% over the bound) so that most writes do not pay for it.
    if (this.#seenCount > this.#seenCapacity * 1.1) this.#pruneSeen()
    await write
  }

  seenKeys(): string[] {
    if (!this.#open) return []
    const keys = new Set<string>()
    for (const { value } of this.#seenDb.getRange()) {
      if (typeof value !== 'string') continue
      keys.delete(value)
      keys.add(value)
    }
    return [...keys]
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
      const dialog = dialogKey(key)
      const messageId = positiveInt(value)
      if (dialog === undefined || messageId === undefined) continue
      this.#pending.set(keyOf(dialog[0], dialog[1]), messageId)
    }
    for (const key of this.#seenDb.getKeys({ reverse: true, limit: 1 })) {
      if (typeof key === 'number') this.#seenSeq = key
    }
    this.#seenCount = this.#seenDb.getCount()
    if (this.#seenCount > this.#seenCapacity) this.#pruneSeen()
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

  #pruneSeen(): void {
    const excess = this.#seenCount - this.#seenCapacity
    if (excess <= 0) return
    for (const key of this.#seenDb.getKeys({ limit: excess })) this.#seenDb.remove(key).catch(ignore)
    this.#seenCount -= excess
  }
}
