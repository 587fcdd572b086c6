/**
 * Counts overlapping reads: a read of a bot's dialog that reaches the portal while another request reading the same
 * dialog is still being handled. One sender (or several replicas sharing a per-dialog lease) never overlaps.
 */
import { parseBatchCommands } from './batch.js'
import type { Params } from './types.js'

const READ_METHODS = new Set(['imbot.v2.Chat.Message.read', 'im.dialog.read'])

/** The dialogs (`bot:dialog`) a request reads, from a direct call or the commands of a batch. */
export function dialogsRead(method: string, body: Params): string[] {
  const calls = method.toLowerCase() === 'batch' ? parseBatchCommands(body.cmd) : [{ method, params: body }]
  return calls
    .filter((c) => READ_METHODS.has(c.method))
    .map(
      (c) =>
        `${String(c.params.botId ?? c.params.BOT_ID ?? '')}:${String(c.params.dialogId ?? c.params.DIALOG_ID ?? '')}`,
    )
}

/** Dialogs being read right now, and how many reads overlapped another of the same dialog. */
export class ReadOverlap {
  readonly #inFlight = new Map<string, number>()
  overlapping = 0

  /** A request reading `dialogs` arrived; call the returned function once it is answered. */
  enter(dialogs: readonly string[]): () => void {
    for (const d of dialogs) {
      const n = this.#inFlight.get(d) ?? 0
      if (n > 0) this.overlapping += 1
      this.#inFlight.set(d, n + 1)
    }
    let left = false
    return () => {
      if (left) return
      left = true
      for (const d of dialogs) {
        const n = (this.#inFlight.get(d) ?? 1) - 1
        if (n <= 0) this.#inFlight.delete(d)
        else this.#inFlight.set(d, n)
      }
    }
  }
}
