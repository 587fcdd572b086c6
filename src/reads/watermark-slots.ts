/**
 * The watermarks of pending dialogs packed into typed arrays, eleven numbers per slot (the bot id and the ten fields
 * of a `Watermark`): 88 bytes a dialog, where an object with boxed times took more than twice that. Storage grows
 * in chunks of `CHUNK` slots, so growing copies nothing and wastes at most one chunk.
 */
import type { Watermark } from './dialog-watermark.js'

/** Slots per chunk. */
const CHUNK = 4096
const STRIDE = 11
const BOT = 0
const PENDING = 1
const CONFIRMED = 2
const IN_FLIGHT = 3
const SINCE = 4
const NEXT_SINCE = 5
const MESSAGES = 6
const SENT_MESSAGES = 7
const ATTEMPTS = 8
const FAILING_SINCE = 9
const GONE_ID = 10

/** Watermarks and bot ids by slot. */
export class WatermarkSlots {
  readonly #chunks: Float64Array[] = []

  /** The watermark in `slot`, as a new object. */
  read(slot: number): Watermark {
    const c = this.#chunk(slot)
    const i = (slot % CHUNK) * STRIDE
    return {
      pending: c[i + PENDING] as number,
      confirmed: c[i + CONFIRMED] as number,
      inFlight: c[i + IN_FLIGHT] as number,
      since: c[i + SINCE] as number,
      nextSince: c[i + NEXT_SINCE] as number,
      messages: c[i + MESSAGES] as number,
      sentMessages: c[i + SENT_MESSAGES] as number,
      attempts: c[i + ATTEMPTS] as number,
      failingSince: c[i + FAILING_SINCE] as number,
      goneId: c[i + GONE_ID] as number,
    }
  }

  /** Stores `w` in `slot` (and the slot's bot id, when given). */
  write(slot: number, w: Watermark, botId?: number): void {
    const c = this.#chunk(slot)
    const i = (slot % CHUNK) * STRIDE
    if (botId !== undefined) c[i + BOT] = botId
    c[i + PENDING] = w.pending
    c[i + CONFIRMED] = w.confirmed
    c[i + IN_FLIGHT] = w.inFlight
    c[i + SINCE] = w.since
    c[i + NEXT_SINCE] = w.nextSince
    c[i + MESSAGES] = w.messages
    c[i + SENT_MESSAGES] = w.sentMessages
    c[i + ATTEMPTS] = w.attempts
    c[i + FAILING_SINCE] = w.failingSince
    c[i + GONE_ID] = w.goneId
  }

  /** The bot id stored with `slot`. */
  botId(slot: number): number {
    const c = this.#chunk(slot)
    const i = (slot % CHUNK) * STRIDE
    return c[i + BOT] as number
  }

  /** The confirmed id in `slot`. */
  confirmed(slot: number): number {
    const c = this.#chunk(slot)
    const i = (slot % CHUNK) * STRIDE
    return c[i + CONFIRMED] as number
  }

  /** The chunk holding `slot`, made when first needed. */
  #chunk(slot: number): Float64Array {
    const n = Math.floor(slot / CHUNK)
    while (this.#chunks.length <= n) this.#chunks.push(new Float64Array(CHUNK * STRIDE))
    return this.#chunks[n] as Float64Array
  }
}
