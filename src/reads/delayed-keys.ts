/**
 * Dialogs waiting out their own backoff before their read is queued again: a map of due times behind one timer, so
 * a dialog that keeps failing waits alone and slows nobody else (no per-dialog timer or closure is kept).
 */

/** Keys (dialog slots, or any map key) due at given times; `onDue` receives the keys whose time has come. */
export class DelayedKeys<K = string> {
  readonly #due = new Map<K, number>()
  readonly #onDue: (keys: K[]) => void
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #timerAt = 0

  constructor(onDue: (keys: K[]) => void, now: () => number) {
    this.#onDue = onDue
    this.#now = now
  }

  /** How many keys wait. */
  get size(): number {
    return this.#due.size
  }

  /** Whether `key` waits. */
  has(key: K): boolean {
    return this.#due.has(key)
  }

  /** Hands `key` to `onDue` after `delayMs`. */
  add(key: K, delayMs: number): void {
    const at = this.#now() + Math.max(0, delayMs)
    this.#due.set(key, at)
    this.#arm(at)
  }

  /** Stops waiting for `key` (it is queued or gone by other means). */
  delete(key: K): void {
    this.#due.delete(key)
  }

  /** Stops the timer; waiting keys stay until `fire` or a new `add`. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
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
    // The timer fired for every key due by then, whatever an injected clock says.
    const now = Math.max(this.#now(), this.#timerAt)
    const due: K[] = []
    let next = Number.POSITIVE_INFINITY
    for (const [key, at] of this.#due) {
      if (at <= now) due.push(key)
      else next = Math.min(next, at)
    }
    for (const key of due) this.#due.delete(key)
    if (Number.isFinite(next)) this.#arm(next)
    if (due.length > 0) this.#onDue(due)
  }
}
