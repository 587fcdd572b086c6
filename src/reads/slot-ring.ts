/** A first-in first-out ring of non-negative 32-bit integers that doubles when full: 4 bytes an entry. */
export class SlotRing {
  #items = new Int32Array(256)
  #head = 0
  #length = 0

  /** How many entries it holds. */
  get length(): number {
    return this.#length
  }

  /** Appends `value` at the end. */
  push(value: number): void {
    if (this.#length === this.#items.length) this.#grow()
    this.#items[(this.#head + this.#length) % this.#items.length] = value
    this.#length++
  }

  /** Removes and returns the first entry (-1 when empty). */
  shift(): number {
    if (this.#length === 0) return -1
    const value = this.#items[this.#head] as number
    this.#head = (this.#head + 1) % this.#items.length
    this.#length--
    return value
  }

  #grow(): void {
    const items = new Int32Array(this.#items.length * 2)
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) % this.#items.length] as number
    this.#items = items
    this.#head = 0
  }
}
