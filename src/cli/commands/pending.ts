/**
 * `b24-autoread pending`: the reads the service still owes, as kept in the state store under `STATE_DIR`: pending,
 * paused by a configuration error, or parked after failing too long. Each is a dialog and the highest id to read.
 * Read-only and safe while the service runs (LMDB allows readers in other processes).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LmdbStore } from '../../store/lmdb-store.js'
import { parseCommandArgs } from '../args.js'
import type { CliContext } from '../context.js'

/** Lists the stored reads not yet confirmed. */
export async function pending(args: readonly string[], ctx: CliContext): Promise<void> {
  const values = parseCommandArgs(args, { 'state-dir': { type: 'string' } })
  const dir = values['state-dir'] || ctx.env.STATE_DIR?.trim() || './data'
  const reads: Array<{ botId: number; dialogId: string; messageId: number }> = []
  if (existsSync(join(dir, 'state.mdb'))) {
    const store = await LmdbStore.open({ dir })
    try {
      for (const mark of store.pendingReads()) {
        if (mark.messageId > store.confirmedId(mark.botId, mark.dialogId)) reads.push({ ...mark })
      }
    } finally {
      await store.close()
    }
  }
  const lines = reads.map((r) => `bot ${r.botId} dialog ${r.dialogId} up to message ${r.messageId}`)
  ctx.done('pending', { count: reads.length, reads }, [...lines, `${reads.length} read(s) pending`])
}
