/**
 * The OAuth portals held in memory, and the rules that let them go. A portal with nothing pending, nothing in
 * flight and no event for `idleMs` is evicted (its entry's scheduler and gate stopped, its client dropped); its
 * next event reloads it from its sealed record in the state store. A portal with a pending, parked or in-flight
 * read, or an event still in the pipeline, is never evicted. Beyond `maxInMemory` portals, the least recently
 * used evictable ones go first whatever their idle time: a safety net for a burst of many portals at once.
 */
import type { Logger } from 'pino'
import type { PortalConnection, PortalEntry } from '../reads/portal-registry.js'
import type { TenantRecord } from './tenant-record.js'

/** A portal in memory: its trusted record, its entry and client, and what keeps it from eviction. */
export interface Live {
  record: TenantRecord
  readonly entry: PortalEntry
  readonly connection: PortalConnection
  /** When its last event arrived or left the pipeline (ms, the injected clock). */
  lastActive: number
  /** Its events queued or running in the pipeline. */
  busy: number
}

/** Bounds of the portals in memory. */
export interface LivePortalsOptions {
  /** A portal with nothing pending and no event this long is evicted (`OAUTH_PORTAL_IDLE_MS`). */
  readonly idleMs: number
  /** Most portals kept in memory whatever their idle time (default 10,000). */
  readonly maxInMemory?: number
  /** Milliseconds since the epoch (default `Date.now`); tests move it instead of waiting minutes. */
  readonly now?: () => number
  readonly log: Logger
}

/** The portals in memory, in order of use (least recently used first). */
export class LivePortals {
  readonly #live = new Map<string, Live>()
  readonly #idleMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #log: Logger

  constructor(options: LivePortalsOptions) {
    this.#idleMs = options.idleMs
    this.#max = options.maxInMemory ?? 10_000
    this.#now = options.now ?? Date.now
    this.#log = options.log
  }

  /** Portals in memory. */
  get size(): number {
    return this.#live.size
  }

  /** The portal in memory, without counting it as used. */
  peek(memberId: string): Live | undefined {
    return this.#live.get(memberId)
  }

  /** The portal in memory, counted as used now (an event arrived for it). */
  use(memberId: string): Live | undefined {
    const live = this.#live.get(memberId)
    if (live === undefined) return undefined
    this.#touch(memberId, live)
    return live
  }

  /**
   * A portal connected from its record (replacing any held one), counted as used now. A replaced portal's reads
   * move to the new entry (its scheduler is discarded), so none is left behind in an entry no longer listed.
   */
  add(memberId: string, make: (now: number) => Live): Live {
    const previous = this.#live.get(memberId)
    const live = make(this.#now())
    if (previous !== undefined) this.#replace(memberId, previous, live)
    this.#live.set(memberId, live)
    this.#trim(live)
    return live
  }

  /**
   * Forgets a portal (the app was uninstalled); false when it was not in memory. Its reads are discarded, not
   * finished: the portal's tokens and state are gone, and its pending dialogs must not hold the global bound.
   */
  remove(memberId: string): boolean {
    const live = this.#live.get(memberId)
    if (live === undefined) return false
    this.#live.delete(memberId)
    live.entry.reads.discard()
    live.entry.gate.close()
    this.#log.debug({ portal: memberId }, 'OAuth portal discarded: the app was uninstalled')
    return true
  }

  /** Marks the portal of `entry` busy (an event in the pipeline) until the returned function is called. */
  hold(entry: PortalEntry): () => void {
    const live = this.#live.get(entry.key)
    if (live === undefined || live.entry !== entry) return () => {}
    live.busy++
    this.#touch(entry.key, live)
    let released = false
    return () => {
      if (released) return
      released = true
      live.busy--
      if (this.#live.get(entry.key) === live) this.#touch(entry.key, live)
    }
  }

  /** Evicts every portal idle for `idleMs` with nothing pending or in flight; returns how many went. */
  evictIdle(): number {
    const before = this.#now() - this.#idleMs
    let evicted = 0
    for (const [memberId, live] of this.#live) {
      // In order of use: once one was used after `before`, every later one was too.
      if (live.lastActive > before) break
      if (!evictable(live)) continue
      this.#drop(memberId, live)
      evicted++
    }
    if (evicted > 0) {
      this.#log.info({ evicted, inMemory: this.#live.size, idleMs: this.#idleMs }, 'idle OAuth portals evicted')
    }
    return evicted
  }

  /** Every portal in memory. */
  entries(): PortalEntry[] {
    return [...this.#live.values()].map((l) => l.entry)
  }

  #touch(memberId: string, live: Live): void {
    live.lastActive = Math.max(live.lastActive, this.#now())
    this.#live.delete(memberId)
    this.#live.set(memberId, live)
  }

  /** The safety net: beyond the bound, least recently used evictable portals go (never `newest`, being used). */
  #trim(newest: Live): void {
    if (this.#live.size <= this.#max) return
    for (const [memberId, live] of this.#live) {
      if (this.#live.size <= this.#max) return
      if (live !== newest && evictable(live)) this.#drop(memberId, live)
    }
  }

  /** Drops `previous`, handing its pending reads to `next`; its reads in flight settle on their own. */
  #replace(memberId: string, previous: Live, next: Live): void {
    this.#live.delete(memberId)
    const moving = previous.entry.reads.pendingDialogs
    const refused = previous.entry.reads.moveTo(next.entry.reads)
    previous.entry.gate.close()
    if (moving > 0)
      this.#log.info(
        { portal: memberId, moved: moving - refused.length },
        'OAuth portal reconnected: its pending reads moved',
      )
    if (refused.length > 0) {
      this.#log.warn(
        { portal: memberId, refused: refused.length },
        'reads of a reconnected OAuth portal refused at the pending bound',
      )
    }
  }

  /** Lets an idle portal go (evicted); one with work left is only unlinked (not reached: never evicted). */
  #drop(memberId: string, live: Live): void {
    this.#live.delete(memberId)
    if (!evictable(live)) return
    live.entry.reads.close()
    live.entry.gate.close()
    this.#log.debug({ portal: memberId }, 'OAuth portal dropped from memory')
  }
}

/** Whether nothing of the portal is pending, parked, in flight, waiting for a slot or in the pipeline. */
function evictable(live: Live): boolean {
  const gate = live.entry.gate.snapshot()
  return live.busy === 0 && live.entry.reads.pendingDialogs === 0 && gate.inFlight === 0 && gate.waiting === 0
}
