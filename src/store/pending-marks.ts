/**
 * The in-memory mirror of pending read watermarks, nested by portal, then bot, then dialog id: a dialog costs one
 * map entry whose key is the event's own dialog id string and whose value is the message id, with no key string or
 * mark object made per dialog (issue 10 item 4). Marks are built when asked for (`all`, `get`).
 */
import type { DialogMark } from './state-store.js'

/** Pending message ids by portal, bot and dialog. */
export class PendingMarks {
  /** The one webhook portal's marks (unscoped). */
  readonly #webhook = new Map<number, Map<string, number>>()
  /** OAuth portals' marks, by `member_id`. */
  readonly #portals = new Map<string, Map<number, Map<string, number>>>()
  #size = 0

  /** Dialogs with a pending mark. */
  get size(): number {
    return this.#size
  }

  /** The pending id of the mark's dialog, undefined when none. */
  get(mark: Omit<DialogMark, 'messageId'>): number | undefined {
    return this.#bots(mark.portal)?.get(mark.botId)?.get(mark.dialogId)
  }

  /** Sets the dialog's pending id to `mark.messageId`. */
  set(mark: DialogMark): void {
    let bots = this.#bots(mark.portal)
    if (bots === undefined) {
      bots = new Map()
      this.#portals.set(mark.portal as string, bots)
    }
    let dialogs = bots.get(mark.botId)
    if (dialogs === undefined) {
      dialogs = new Map()
      bots.set(mark.botId, dialogs)
    }
    const before = dialogs.size
    dialogs.set(mark.dialogId, mark.messageId)
    this.#size += dialogs.size - before
  }

  /** Forgets the dialog's pending id. */
  delete(mark: Omit<DialogMark, 'messageId'>): void {
    const bots = this.#bots(mark.portal)
    const dialogs = bots?.get(mark.botId)
    if (bots === undefined || dialogs === undefined || !dialogs.delete(mark.dialogId)) return
    this.#size--
    if (dialogs.size > 0) return
    bots.delete(mark.botId)
    if (bots.size === 0 && mark.portal !== undefined) this.#portals.delete(mark.portal)
  }

  /** Puts the dialog's pending id back to `messageId` (undefined: none), as it was before a failed write. */
  restore(mark: Omit<DialogMark, 'messageId'>, messageId: number | undefined): void {
    if (messageId === undefined) this.delete(mark)
    else this.set({ ...mark, messageId })
  }

  /** Every mark of `portal` (the webhook portal's when undefined). */
  ofPortal(portal: string | undefined): DialogMark[] {
    const out: DialogMark[] = []
    const bots = this.#bots(portal)
    if (bots !== undefined) marksOf(portal, bots, out)
    return out
  }

  /** Forgets every mark of `portal`; returns them. */
  removePortal(portal: string): DialogMark[] {
    const marks = this.ofPortal(portal)
    this.#portals.delete(portal)
    this.#size -= marks.length
    return marks
  }

  /** Every mark, oldest first within each portal and bot. */
  all(): DialogMark[] {
    const out: DialogMark[] = []
    marksOf(undefined, this.#webhook, out)
    for (const [portal, bots] of this.#portals) marksOf(portal, bots, out)
    return out
  }

  /** The marks of `portal` (the webhook portal's when undefined) by bot, if any. */
  #bots(portal: string | undefined): Map<number, Map<string, number>> | undefined {
    return portal === undefined ? this.#webhook : this.#portals.get(portal)
  }
}

/** Appends the marks of one portal's bots to `out`. */
function marksOf(
  portal: string | undefined,
  bots: ReadonlyMap<number, ReadonlyMap<string, number>>,
  out: DialogMark[],
): void {
  for (const [botId, dialogs] of bots) {
    for (const [dialogId, messageId] of dialogs) {
      out.push(portal === undefined ? { botId, dialogId, messageId } : { portal, botId, dialogId, messageId })
    }
  }
}
