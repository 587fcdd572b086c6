/**
 * Whether a portal refuses `imbot.v2` methods inside `batch`, judged by outcome: the docs do not say whether it is
 * allowed, and a portal may refuse the whole batch (`ERROR_BATCH_METHOD_NOT_ALLOWED`) or every command with a
 * method or permission error. Such a batch is sent again as single calls; only when a single call then succeeds is
 * the batch path given up (and remembered across restarts), and it is tried again now and then.
 * @see https://apidocs.bitrix24.com/api-reference/how-to-call-rest-api/batch.html
 */
import type { RestOutcome } from '../bitrix/port.js'

/** Codes a portal may give each command of a batch it will not run `imbot.v2` methods in. */
const REFUSAL_CODES = new Set([
  'ERROR_BATCH_METHOD_NOT_ALLOWED',
  'ERROR_METHOD_NOT_FOUND',
  'METHOD_NOT_FOUND',
  'ERROR_METHOD_NOT_ALLOWED',
  'ACCESS_DENIED',
  'insufficient_scope',
])

/** What changed in the batch path after an answer: refused for good (for now), or usable again. */
export type BatchPathChange = 'refused' | 'restored' | undefined

/** Whether reads go in `batch`: allowed, suspected refused (single calls until one succeeds), or refused. */
export class BatchPath {
  readonly #retryMs: number
  readonly #now: () => number
  #state: 'allowed' | 'suspect' | 'refused'
  #retryAt: number
  /** The batch path is being tried again after a refusal. */
  #trial = false

  /** `refused`: the portal was found to refuse batch before the last restart (retried after `retryMs`). */
  constructor(retryMs: number, now: () => number, refused: boolean) {
    this.#retryMs = retryMs
    this.#now = now
    this.#state = refused ? 'refused' : 'allowed'
    this.#retryAt = refused ? now() + retryMs : 0
  }

  /** Whether the next request may be a `batch` (a refused path is tried again once `retryMs` has passed). */
  get allowed(): boolean {
    if (this.#state === 'refused' && this.#now() >= this.#retryAt) {
      this.#state = 'allowed'
      this.#trial = true
    }
    return this.#state === 'allowed'
  }

  /** A batch was answered; `refused` when every command was refused as `looksLikeBatchRefusal` says. */
  batchAnswered(refused: boolean): BatchPathChange {
    if (refused) {
      this.#state = 'suspect'
      return undefined
    }
    if (!this.#trial) return undefined
    this.#trial = false
    return 'restored'
  }

  /** A single read was answered: while the batch path is suspect, a success proves the refusal was batch's. */
  singleAnswered(outcome: RestOutcome): BatchPathChange {
    if (this.#state !== 'suspect') return undefined
    if (outcome.ok) {
      this.#state = 'refused'
      this.#trial = false
      this.#retryAt = this.#now() + this.#retryMs
      return 'refused'
    }
    // Refused alone as well: the error was the read's own, not batch's.
    if (REFUSAL_CODES.has(outcome.error.code)) this.#state = 'allowed'
    return undefined
  }
}

/** Whether a batch's answer looks like a refusal of the method in batch: every command refused the same way. */
export function looksLikeBatchRefusal(outcomes: ReadonlyArray<readonly [unknown, RestOutcome]>): boolean {
  if (outcomes.length < 2) return false
  const codes = new Set<string>()
  for (const [, outcome] of outcomes) {
    if (outcome.ok || !REFUSAL_CODES.has(outcome.error.code)) return false
    codes.add(outcome.error.code)
  }
  return codes.size === 1
}
