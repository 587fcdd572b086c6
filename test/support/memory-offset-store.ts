/** An in-memory fetch-mode offset store that outlives one service (for restart tests) and records every save. */
import type { OffsetStore } from '../../src/store/offset-store.js'

/** Keeps the offset in memory; `history` lists every saved value in order. */
export class MemoryOffsetStore implements OffsetStore {
  #offset: number | undefined
  readonly history: number[] = []

  constructor(initial?: number) {
    this.#offset = initial
  }

  async load(): Promise<number | undefined> {
    return this.#offset
  }

  async save(offset: number): Promise<void> {
    this.#offset = offset
    this.history.push(offset)
  }

  /** The last saved offset. */
  get current(): number | undefined {
    return this.#offset
  }
}
