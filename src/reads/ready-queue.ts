/** The dialogs whose read is due, oldest first, with a front lane for retries so a retried read keeps its place. */
import { SlotRing } from './slot-ring.js'

/**
 * A FIFO of dialog slots (small integers, see `dialog-table.ts`); a slot is in it at most once. Two rings of 32-bit
 * slots and a byte per slot, so 100,000 queued dialogs take well under a megabyte.
 */
export class ReadyQueue {
  readonly #front = new SlotRing()
  readonly #back = new SlotRing()
  /** Per slot: 1 while queued. */
  #queued = new Uint8Array(1024)
  #size = 0

  /** How many dialogs wait. */
  get size(): number {
    return this.#size
  }

  /** Queues a slot behind the others, or before them with `front`; a slot already queued keeps its place. */
  add(slot: number, front = false): void {
    if (slot >= this.#queued.length) this.#grow(slot)
    if (this.#queued[slot] === 1) return
    this.#queued[slot] = 1
    this.#size++
    ;(front ? this.#front : this.#back).push(slot)
  }

  /** Removes and returns up to `max` slots, the front lane first. */
  take(max: number): number[] {
    const out: number[] = []
    for (const lane of [this.#front, this.#back]) {
      while (out.length < max && lane.length > 0) {
        const slot = lane.shift()
        this.#queued[slot] = 0
        out.push(slot)
      }
    }
    this.#size -= out.length
    return out
  }

  #grow(slot: number): void {
    let length = this.#queued.length
    while (length <= slot) length *= 2
    const queued = new Uint8Array(length)
    queued.set(this.#queued)
    this.#queued = queued
  }
}
