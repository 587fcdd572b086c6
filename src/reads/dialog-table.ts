/**
 * The dialogs of one portal's read scheduler: a record per dialog with a read pending or in flight, and the confirmed
 * watermarks of dialogs gone idle (bounded, the oldest forgotten first) so a late lower id is never sent.
 * A pending dialog is a small integer slot, not an object: its watermark lives in typed arrays (`watermark-slots.ts`),
 * its dialog id is the event's own string, and its trace is packed (`packed-trace.ts`). So 100,000 pending dialogs
 * cost about 150 bytes each, with no object, closure or string made per dialog (issue 10 item 4).
 */
import { BoundedMap } from '../util/bounded.js'
import type { Watermark } from './dialog-watermark.js'
import { type PackedTrace, packTrace, unpackTrace } from './packed-trace.js'
import type { PendingTally } from './pending-tally.js'
import type { ReadRequest, Trace } from './read-contract.js'
import type { ReadTarget } from './read-method.js'
import { WatermarkSlots } from './watermark-slots.js'

/** The key of an idle dialog's remembered watermark. */
function idleKey(botId: number, dialogId: string): string {
  return `${botId}|${dialogId}`
}

/** Active dialogs by slot, and the remembered watermarks of idle ones. */
export class DialogTable {
  /** The slot of each active dialog, by bot, then dialog id. */
  readonly #slots = new Map<number, Map<string, number>>()
  readonly #marks = new WatermarkSlots()
  /** Per slot: the dialog id (undefined for a free slot), and the traces of the newest message and of the one sent. */
  readonly #dialogIds: Array<string | undefined> = []
  readonly #traces: PackedTrace[] = []
  readonly #sentTraces: PackedTrace[] = []
  /** Slots given back by retired dialogs, reused first. */
  readonly #free: number[] = []
  #size = 0
  /** Watermarks of dialogs gone idle, newest last. */
  readonly #idle: BoundedMap<string, number>
  readonly #confirmedOf: ((botId: number, dialogId: string) => number) | undefined
  #tally: PendingTally | undefined

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
    return this.#size
  }

  /** The slot of an active dialog, -1 when it is not active. */
  slotOf(botId: number, dialogId: string): number {
    return this.#slots.get(botId)?.get(dialogId) ?? -1
  }

  /** Whether `slot` holds an active dialog. */
  isActive(slot: number): boolean {
    return this.#dialogIds[slot] !== undefined
  }

  /** Makes a dialog active with watermark `mark`; returns its slot. */
  add(botId: number, dialogId: string, mark: Watermark): number {
    const slot = this.#free.pop() ?? this.#dialogIds.length
    let bot = this.#slots.get(botId)
    if (bot === undefined) {
      bot = new Map()
      this.#slots.set(botId, bot)
    }
    bot.set(dialogId, slot)
    this.#dialogIds[slot] = dialogId
    this.#traces[slot] = undefined
    this.#sentTraces[slot] = undefined
    this.#marks.write(slot, mark, botId)
    this.#size++
    this.#tally?.add(1)
    return slot
  }

  /** The watermark of an active dialog (a fresh object: change it with `setMark`). */
  mark(slot: number): Watermark {
    return this.#marks.read(slot)
  }

  /** Stores the watermark of an active dialog. */
  setMark(slot: number, mark: Watermark): void {
    this.#marks.write(slot, mark)
  }

  /** The dialog a read of `slot` up to `messageId` is for. */
  target(slot: number, messageId: number): ReadTarget {
    return { botId: this.#marks.botId(slot), dialogId: this.#dialogIds[slot] ?? '', messageId }
  }

  /** The trace of the dialog's newest message. */
  setTrace(slot: number, trace: Trace | undefined): void {
    this.#traces[slot] = packTrace(trace)
  }

  /** The read of `slot` is being sent: the trace of its newest message becomes the sent read's. */
  traceSent(slot: number): void {
    this.#sentTraces[slot] = this.#traces[slot]
  }

  /** Takes the trace of the read sent (for its log line), leaving none. */
  takeSentTrace(slot: number): Trace | undefined {
    const packed = this.#sentTraces[slot]
    this.#sentTraces[slot] = undefined
    return unpackTrace(packed)
  }

  /** The highest id confirmed for a dialog: active, remembered idle, or the store's (0 when none). */
  confirmed(botId: number, dialogId: string): number {
    const slot = this.slotOf(botId, dialogId)
    if (slot >= 0) return this.#marks.confirmed(slot)
    return this.#idle.get(idleKey(botId, dialogId)) ?? this.#confirmedOf?.(botId, dialogId) ?? 0
  }

  /** Forgets a dialog that has nothing left to read, remembering its confirmed watermark; frees its slot. */
  retire(slot: number): void {
    const dialogId = this.#dialogIds[slot]
    if (dialogId === undefined) return
    const botId = this.#marks.botId(slot)
    const bot = this.#slots.get(botId)
    bot?.delete(dialogId)
    if (bot?.size === 0) this.#slots.delete(botId)
    this.#idle.set(idleKey(botId, dialogId), this.#marks.confirmed(slot))
    this.#dialogIds[slot] = undefined
    this.#traces[slot] = undefined
    this.#sentTraces[slot] = undefined
    this.#free.push(slot)
    this.#size--
    this.#tally?.add(-1)
  }

  /**
   * The read each active dialog still needs: its highest requested id, when its oldest unconfirmed message arrived,
   * and its newest message's trace. A table taking these over reads the same messages (the portal was reconnected).
   */
  pendingReads(): ReadRequest[] {
    const reads: ReadRequest[] = []
    for (const [botId, bot] of this.#slots) {
      for (const [dialogId, slot] of bot) {
        const mark = this.#marks.read(slot)
        const trace = unpackTrace(this.#traces[slot])
        reads.push({
          botId,
          dialogId,
          messageId: mark.pending,
          ...(mark.since > 0 ? { receivedAt: mark.since } : {}),
          ...(trace ? { trace } : {}),
        })
      }
    }
    return reads
  }

  /** Gives this table's dialogs back to the global tally and stops counting (the portal was uninstalled). */
  detachTally(): void {
    this.#tally?.add(-this.#size)
    this.#tally = undefined
  }
}
