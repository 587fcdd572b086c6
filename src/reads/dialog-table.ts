/**
 * The dialogs of one portal's read scheduler: a record per dialog with a read pending or in flight, and the confirmed
 * watermarks of dialogs gone idle (bounded, the oldest forgotten first) so a late lower id is never sent.
 */
import { BoundedMap } from '../util/bounded.js'
import type { Watermark } from './dialog-watermark.js'
import type { PendingTally } from './pending-tally.js'
import type { Trace } from './read-contract.js'

/** A dialog with a read pending or in flight: its watermark, and the log ids of the newest message and the one sent. */
export interface Dialog {
  readonly botId: number
  readonly dialogId: string
  mark: Watermark
  trace: Trace | undefined
  sentTrace: Trace | undefined
}

/** The map key of a dialog. */
export function keyOf(botId: number, dialogId: string): string {
  return `${botId}|${dialogId}`
}

/** Active dialogs by key, and the remembered watermarks of idle ones. */
export class DialogTable {
  readonly #active = new Map<string, Dialog>()
  /** Watermarks of dialogs gone idle, newest last. */
  readonly #idle: BoundedMap<string, number>
  readonly #confirmedOf: ((botId: number, dialogId: string) => number) | undefined
  readonly #tally: PendingTally | undefined

  /**
   * `confirmedOf` looks up a watermark this process does not remember (the state store's, after a restart);
   * `tally` counts active dialogs across every portal (the global bound).
   */
  constructor(
    rememberLimit: number,
    confirmedOf: ((botId: number, dialogId: string) => number) | undefined,
    tally?: PendingTally,
  ) {
    this.#idle = new BoundedMap(rememberLimit)
    this.#confirmedOf = confirmedOf
    this.#tally = tally
  }

  /** Dialogs with a read pending or in flight. */
  get size(): number {
    return this.#active.size
  }

  /** The active dialog under `key`, if any. */
  get(key: string): Dialog | undefined {
    return this.#active.get(key)
  }

  /** Whether the dialog under `key` is active. */
  has(key: string): boolean {
    return this.#active.has(key)
  }

  /** Makes a dialog active. */
  add(key: string, dialog: Dialog): void {
    if (!this.#active.has(key)) this.#tally?.add(1)
    this.#active.set(key, dialog)
  }

  /** The highest id confirmed for a dialog: active, remembered idle, or the store's (0 when none). */
  confirmed(key: string, botId: number, dialogId: string): number {
    return this.#active.get(key)?.mark.confirmed ?? this.#idle.get(key) ?? this.#confirmedOf?.(botId, dialogId) ?? 0
  }

  /** Forgets a dialog that has nothing left to read, remembering its confirmed watermark. */
  retire(key: string): void {
    const dialog = this.#active.get(key)
    if (dialog === undefined) return
    this.#active.delete(key)
    this.#tally?.add(-1)
    this.#idle.set(key, dialog.mark.confirmed)
  }
}
