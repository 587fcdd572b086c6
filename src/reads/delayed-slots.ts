/**
 * Dialogs waiting out their own backoff before their read is queued again: a due time per dialog slot in one typed
 * array behind one timer, so a dialog that keeps failing waits alone and slows nobody else. No timer, closure, map
 * entry or boxed number is kept per dialog: 8 bytes per slot (issue 10 item 4: a portal down for long backs off every
 * pending dialog at once).
 */
/** Dialog slots (see `dialog-table.ts`) due at given times; `onDue` receives the slots whose time has come. */
export class DelayedSlots {
  /** Per slot: when it is due (ms, the injected clock's), NaN when it does not wait. */
  #due = new Float64Array(1024).fill(Number.NaN)
  /** One past the highest slot that ever waited: the end of the scan. */
  #end = 0
  #size = 0
  readonly #onDue: (slots: number[]) => void
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #timerAt = 0

  constructor(onDue: (slots: number[]) => void, now: () => number) {
    this.#onDue = onDue
    this.#now = now
  }

  /** How many slots wait. */
  get size(): number {
    return this.#size
  }

  /** Whether `slot` waits. */
  has(slot: number): boolean {
    return slot < this.#due.length && !Number.isNaN(this.#due[slot] as number)
  }

  /** Hands `slot` to `onDue` after `delayMs`. */
  add(slot: number, delayMs: number): void {
    const at = this.#now() + Math.max(0, delayMs)
    if (slot >= this.#due.length) this.#grow(slot)
    if (!this.has(slot)) this.#size++
    this.#due[slot] = at
    if (slot >= this.#end) this.#end = slot + 1
    this.#arm(at)
  }

  /** Stops waiting for `slot` (it is queued or gone by other means). */
  delete(slot: number): void {
    if (!this.has(slot)) return
    this.#due[slot] = Number.NaN
    this.#size--
  }

  /** Stops the timer; waiting slots stay until `fire` or a new `add`. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #grow(slot: number): void {
    let length = this.#due.length
    while (length <= slot) length *= 2
    const due = new Float64Array(length).fill(Number.NaN)
    due.set(this.#due)
    this.#due = due
  }

  #arm(at: number): void {
    if (this.#timer && this.#timerAt <= at) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - this.#now()))
    this.#timer.unref()
  }

  #fire(): void {
    this.#timer = undefined
    // The timer fired for every slot due by then, whatever an injected clock says.
    const now = Math.max(this.#now(), this.#timerAt)
    const dueSlots: number[] = []
    let next = Number.POSITIVE_INFINITY
    const due = this.#due
    for (let slot = 0; slot < this.#end; slot++) {
      const at = due[slot] as number
      if (Number.isNaN(at)) continue
      if (at <= now) dueSlots.push(slot)
      else if (at < next) next = at
    }
    for (const slot of dueSlots) due[slot] = Number.NaN
    this.#size -= dueSlots.length
    if (this.#size === 0) this.#end = 0
    if (Number.isFinite(next)) this.#arm(next)
    if (dueSlots.length > 0) this.#onDue(dueSlots)
  }
}
