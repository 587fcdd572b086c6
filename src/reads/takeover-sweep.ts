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
  /** Every pending read in the shared store, whoever wrote it. */
  readonly pending: () => Promise<ReadRequest[]>
  /** This replica's scheduler. */
  readonly request: (read: ReadRequest) => boolean
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
    let marks: ReadRequest[]
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
      const key = `${mark.botId}|${mark.dialogId}`
      current.set(key, mark.messageId)
      if (this.#previous.get(key) !== mark.messageId) continue
      if (this.#options.request(mark)) {
        taken++
        this.#options.onTakeover?.()
      }
    }
    this.#previous = current
    if (taken > 0) this.#options.log.info({ reads: taken }, 'pending reads taken over from the shared store')
    return taken
  }
}

/** The sweep for one portal's scheduler when replicas share a store; undefined for a single process. */
export function takeoverSweep(
  replicas: ReplicaParts | undefined,
  reads: { request(read: ReadRequest): boolean } | undefined,
  log: Logger,
  onTakeover?: () => void,
): TakeoverSweep | undefined {
  if (replicas === undefined || reads === undefined) return undefined
  return new TakeoverSweep({
    pending: replicas.pendingReads,
    request: (read) => reads.request(read),
    intervalMs: replicas.takeoverIntervalMs,
    log: log.child({ mod: 'takeover' }),
    ...(onTakeover ? { onTakeover } : {}),
  })
}
