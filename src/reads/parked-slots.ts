/**
 * The dialogs whose read is parked (failing past the retry window, kept stored): a byte per dialog slot and a count,
 * where a set took about 26 bytes a dialog (issue 10 item 4: a portal down for long parks every pending dialog).
 */

/** Parked dialog slots (see `dialog-table.ts`). */
export class ParkedSlots {
  /** Per slot: 1 while parked. */
  #parked = new Uint8Array(1024)
  /** One past the highest slot that was ever parked: the end of `takeAll`'s scan. */
  #end = 0
  #size = 0

  /** How many dialogs are parked. */
  get size(): number {
    return this.#size
  }

  /** Parks `slot` (once, however often it is called). */
  add(slot: number): void {
    if (slot >= this.#parked.length) this.#grow(slot)
    if (this.#parked[slot] === 1) return
    this.#parked[slot] = 1
    this.#size++
    if (slot >= this.#end) this.#end = slot + 1
  }

  /** Unparks `slot`, if it was parked. */
  delete(slot: number): void {
    if (this.#parked[slot] !== 1) return
    this.#parked[slot] = 0
    this.#size--
  }

  /** Unparks every slot; returns them in slot order. */
  takeAll(): number[] {
    const slots: number[] = []
    for (let slot = 0; slot < this.#end && slots.length < this.#size; slot++) {
      if (this.#parked[slot] === 1) {
        this.#parked[slot] = 0
        slots.push(slot)
      }
    }
    this.#size = 0
    this.#end = 0
    return slots
  }

  #grow(slot: number): void {
    let length = this.#parked.length
    while (length <= slot) length *= 2
    const parked = new Uint8Array(length)
    parked.set(this.#parked)
    this.#parked = parked
  }
}
