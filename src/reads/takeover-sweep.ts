/**
 * Takeover of reads a dead replica left behind: every `intervalMs` the pending reads in the shared store are listed,
 * and each one still pending unchanged since the previous sweep is handed to this replica's scheduler. Dialog leases
 * keep the replicas from reading one dialog at once, and the shared confirmed watermark makes a read another
 * replica did meanwhile cost nothing, so taking over a read that was not lost is harmless. A read acknowledged by a
 * replica that dies is read within two intervals plus the lease time (when its read was in flight) plus the read.
 */
import type { Logger } from 'pino'
import type { ReadRequest } from './read-contract.js'
import type { ReplicaParts } from './replica-parts.js'

/** What the sweep reads and where it hands reads. */
export interface TakeoverOptions {
  /** Every pending read in the shared store, whoever wrote it (with its portal's `member_id` in OAuth mode). */
  readonly pending: () => Promise<Array<ReadRequest & { readonly portal?: string }>>
  /** Hands a read to this replica's scheduler of its portal; false when refused or the portal cannot be reached. */
  readonly request: (read: ReadRequest & { readonly portal?: string }) => boolean | Promise<boolean>
  readonly intervalMs: number
  readonly log: Logger
  /** Told each read taken over (metrics). */
  readonly onTakeover?: () => void
}

/** The periodic sweep; `start` once the service listens, `stop` when it closes. */
export class TakeoverSweep {
  readonly #options: TakeoverOptions
  #previous = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #failedAt = 0

  constructor(options: TakeoverOptions) {
    this.#options = options
  }

  /** Sweeps every interval until `stop`. */
  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => void this.sweep(), this.#options.intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One sweep; returns how many reads were taken over. Never throws (a store outage is logged once a minute). */
  async sweep(): Promise<number> {
    let marks: Array<ReadRequest & { readonly portal?: string }>
    try {
      marks = await this.#options.pending()
    } catch (err) {
      if (Date.now() - this.#failedAt > 60_000) this.#options.log.warn({ err }, 'takeover sweep: store unreachable')
      this.#failedAt = Date.now()
      return 0
    }
    const current = new Map<string, number>()
    let taken = 0
    for (const mark of marks) {
      const key = `${mark.portal ?? ''}|${mark.botId}|${mark.dialogId}`
      current.set(key, mark.messageId)
      if (this.#previous.get(key) !== mark.messageId) continue
      if (await this.#request(mark)) {
        taken++
        this.#options.onTakeover?.()
      }
    }
    this.#previous = current
    if (taken > 0) this.#options.log.info({ reads: taken }, 'pending reads taken over from the shared store')
    return taken
  }

  /** Hands one read over; a portal that cannot be reached now (store away) is tried again on the next sweep. */
  async #request(mark: ReadRequest & { readonly portal?: string }): Promise<boolean> {
    try {
      return await this.#options.request(mark)
    } catch (err) {
      this.#options.log.debug({ err, portal: mark.portal }, 'takeover sweep: portal not reachable now')
      return false
    }
  }
}

/** Where a taken-over read goes: the one portal's scheduler, or a function finding the scheduler of its portal. */
export type TakeoverTarget =
  | { request(read: ReadRequest): boolean }
  | ((mark: ReadRequest & { readonly portal?: string }) => Promise<{ request(read: ReadRequest): boolean } | undefined>)

/** The sweep when replicas share a store (for the one webhook portal, or an OAuth app's portals); undefined for one process. */
export function takeoverSweep(
  replicas: ReplicaParts | undefined,
  reads: TakeoverTarget | undefined,
  log: Logger,
  onTakeover?: () => void,
): TakeoverSweep | undefined {
  if (replicas === undefined || reads === undefined) return undefined
  return new TakeoverSweep({
    pending: replicas.pendingReads,
    request: async (read) => {
      const target = typeof reads === 'function' ? await reads(read) : reads
      return target?.request(read) ?? false
    },
    intervalMs: replicas.takeoverIntervalMs,
    log: log.child({ mod: 'takeover' }),
    ...(onTakeover ? { onTakeover } : {}),
  })
}
