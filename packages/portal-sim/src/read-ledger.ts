import type { RegressionRecord } from './types.js'

/** Counts bot reads and catches regressions: a read below a messageId already confirmed for that bot and chat. */
export class ReadLedger {
  readonly #confirmed = new Map<string, number>()
  reads = 0
  duplicateReads = 0
  /** `im.dialog.read` calls that marked a human user's own conversation (the caller was a person, not a bot). */
  humanDialogReads = 0
  readonly regressions: RegressionRecord[] = []

  /** Records a successful read of `chatId` up to `upTo` (`explicitId` when the caller named a message). */
  record(
    botId: number,
    dialogId: string,
    chatId: number,
    upTo: number,
    explicitId: number | undefined,
    viewed: number,
  ) {
    const key = `${botId}:${chatId}`
    const confirmed = this.#confirmed.get(key) ?? 0
    this.reads += 1
    if (viewed === 0) this.duplicateReads += 1
    if (explicitId !== undefined && explicitId < confirmed) {
      this.regressions.push({ botId, dialogId, messageId: explicitId, confirmed, at: Date.now() })
    }
    this.#confirmed.set(key, Math.max(confirmed, upTo))
  }

  /** The highest message id confirmed read for that bot and chat. */
  confirmed(botId: number, chatId: number): number {
    return this.#confirmed.get(`${botId}:${chatId}`) ?? 0
  }

  /** Zeroes the counters; confirmed marks stay (they are portal state, not statistics). */
  resetCounters(): void {
    this.reads = 0
    this.duplicateReads = 0
    this.humanDialogReads = 0
    this.regressions.length = 0
  }
}
