/**
 * Opens the LMDB state store in the directory named by argv[2] and prints what a restarted process would find
 * (pending reads, confirmed ids asked for in argv[3..] as `botId|dialogId`) as one JSON line. Run by tests as a
 * separate process, so that what it sees is on disk and not in the test process's memory.
 */
import { LmdbStore } from '../../src/store/lmdb-store.js'

const [dir, ...dialogs] = process.argv.slice(2)
if (dir === undefined) throw new Error('usage: read-store-child <dir> [botId|dialogId ...]')
const store = await LmdbStore.open({ dir })
const confirmed: Record<string, number> = {}
for (const dialog of dialogs) {
  const [botId = '0', dialogId = ''] = dialog.split('|')
  confirmed[dialog] = store.confirmedId(Number(botId), dialogId)
}
process.stdout.write(`${JSON.stringify({ pending: store.pendingReads(), confirmed })}\n`)
await store.close()
