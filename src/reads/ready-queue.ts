/** The dialogs whose read is due, oldest first, with a front lane for retries so a retried read keeps its place. */

/** A FIFO of dialog keys; a key is in it at most once. */
export class ReadyQueue {
  readonly #front = new Set<string>()
  readonly #back = new Set<string>()

  /** How many dialogs wait. */
  get size(): number {
    return this.#front.size + this.#back.size
  }

  /** Queues a key behind the others, or before them with `front`; a key already queued keeps its place. */
  add(key: string, front = false): void {
    if (this.#front.has(key) || this.#back.has(key)) return
    ;(front ? this.#front : this.#back).add(key)
  }

  /** Removes and returns up to `max` keys, the front lane first. */
  take(max: number): string[] {
    const out: string[] = []
    for (const lane of [this.#front, this.#back]) {
      for (const key of lane) {
        if (out.length >= max) return out
        lane.delete(key)
        out.push(key)
      }
    }
    return out
  }
}
