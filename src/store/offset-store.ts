/** The fetch-mode poller's offset, kept in the state store so a restart resumes after the last processed event. */
import type { StateStore } from './state-store.js'

/** Where a poller keeps its offset (the last `imbot.v2.Event.get` event id it has processed). */
export interface OffsetStore {
  load(): Promise<number | undefined>
  save(offset: number): Promise<void>
}

/** An `OffsetStore` backed by the state store under `name` (one per bot, e.g. `events:<botId>`). */
export function storedOffset(store: StateStore, name: string): OffsetStore {
  return {
    load: async () => store.offset(name),
    save: (offset) => store.saveOffset(name, offset),
  }
}
