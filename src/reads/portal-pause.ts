/**
 * A portal whose configuration is wrong (bot token rotated, webhook revoked, scope or plan missing): its reads stop,
 * stay pending (and stored), and one read probes the portal every `intervalMs`; the first success resumes them all.
 * The service cannot fix the configuration, but it can tell when an operator has, without a restart.
 */
import type { RestError } from '../bitrix/port.js'

/** The pause state of one portal's reads. */
export class PortalPause {
  readonly #intervalMs: number
  readonly #onProbe: () => void
  #error: RestError | undefined
  #timer: NodeJS.Timeout | undefined
  #probeDue = false

  /** `onProbe` is called when a probe read may go (the scheduler pumps). */
  constructor(intervalMs: number, onProbe: () => void) {
    this.#intervalMs = intervalMs
    this.#onProbe = onProbe
  }

  /** The configuration error that pauses the reads; undefined while they run. */
  get error(): RestError | undefined {
    return this.#error
  }

  /** Whether a read may be sent now: not paused, or paused with a probe due. */
  get canSend(): boolean {
    return this.#error === undefined || this.#probeDue
  }

  /** Takes the due probe: true when the read about to go is the probe (send it alone). */
  takeProbe(): boolean {
    if (this.#error === undefined) return false
    this.#probeDue = false
    return true
  }

  /** Pauses (or keeps paused) with `error`; true when the reads were running until now. */
  pause(error: RestError): boolean {
    const started = this.#error === undefined
    this.#error = error
    this.arm()
    return started
  }

  /** Resumes the reads; returns the error that paused them, if any. */
  resume(): RestError | undefined {
    const error = this.#error
    this.#error = undefined
    this.#probeDue = false
    this.close()
    return error
  }

  /** Makes sure a paused portal has its next probe scheduled (a probe may fail in another way). */
  arm(): void {
    if (this.#timer !== undefined || this.#error === undefined || this.#probeDue) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#probeDue = true
      this.#onProbe()
    }, this.#intervalMs)
    this.#timer.unref()
  }

  /** Stops the probe timer. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
