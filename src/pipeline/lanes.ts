/**
 * Runs jobs in order per key (one bot and dialog) while different keys run concurrently, at most `concurrency`
 * at once. The total of queued jobs is bounded: `push` refuses beyond `maxQueued`.
 */

/** A job for one lane. */
export type Job = () => Promise<void>

/** Per-key ordered execution under a global concurrency cap. */
export class Lanes {
  readonly #lanes = new Map<string, Job[]>()
  readonly #waiting: string[] = []
  readonly #concurrency: number
  readonly #maxQueued: number
  #running = 0
  #queued = 0
  #idle: Array<() => void> = []
  #pumpScheduled = false

  constructor(options: { concurrency: number; maxQueued: number }) {
    this.#concurrency = options.concurrency
    this.#maxQueued = options.maxQueued
  }

  /** Jobs accepted and not yet finished. */
  get size(): number {
    return this.#queued
  }

  /** Queues `job` behind the others of `key`; false when the bound is reached (the job is not queued). */
  push(key: string, job: Job): boolean {
    if (this.#queued >= this.#maxQueued) return false
    this.#queued++
    const lane = this.#lanes.get(key)
    if (lane) {
      lane.push(job)
      return true
    }
    this.#lanes.set(key, [job])
    this.#waiting.push(key)
    // Jobs start on the next turn of the event loop, never inside `push`: the webhook's 200 is written first, and
    // the jobs pushed in one turn start together.
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true
      setImmediate(this.#scheduledPump)
    }
    return true
  }

  /** Resolves when every accepted job has finished. */
  idle(): Promise<void> {
    if (this.#queued === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  readonly #scheduledPump = (): void => {
    this.#pumpScheduled = false
    this.#pump()
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const key = this.#waiting.shift() as string
      this.#running++
      void this.#drain(key)
    }
  }

  async #drain(key: string): Promise<void> {
    const lane = this.#lanes.get(key) ?? []
    for (let job = lane.shift(); job !== undefined; job = lane.shift()) {
      try {
        await job()
      } catch {
        // Jobs handle their own errors; a throw here must not stall the lane.
      }
      this.#queued--
    }
    this.#lanes.delete(key)
    this.#running--
    if (this.#queued === 0) for (const resolve of this.#idle.splice(0)) resolve()
    this.#pump()
  }
}
