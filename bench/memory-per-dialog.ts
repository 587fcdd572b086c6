/**
 * Heap bytes per pending dialog, measured in-process after a forced GC: the read scheduler (with a portal that never
 * answers, so every read stays pending), the LMDB store's mirror of pending watermarks and the intake's dedupe keys
 * (with an OAuth-length portal id in each), as `N` dialogs are added. Typed arrays count (`arrayBuffers`).
 * Run: `node --expose-gc --import tsx bench/memory-per-dialog.ts [dialogs]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { BitrixPort } from '../src/bitrix/port.js'
import { RecentKeys } from '../src/intake/dedupe.js'
import { PortalGate } from '../src/reads/portal-gate.js'
import { imbotV2Read } from '../src/reads/read-method.js'
import { ReadScheduler } from '../src/reads/read-scheduler.js'
import { LmdbStore } from '../src/store/lmdb-store.js'

const dialogs = Number(process.argv[2] ?? 100_000)
const gc = globalThis.gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const heap = () => {
  gc()
  gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}
const never = () => new Promise<never>(() => {})
const port: BitrixPort = { portal: 'bench.example', call: never, batch: never }

const dir = mkdtempSync(join(tmpdir(), 'b24-autoread-mem-'))
const store = await LmdbStore.open({ dir })
const gate = new PortalGate({ burst: 50, perSec: 2, maxInFlight: 4 })
const reads = new ReadScheduler({
  port,
  gate,
  readMethod: imbotV2Read('token'),
  log: pino({ level: 'silent' }),
  maxPendingDialogs: dialogs * 2,
})
const base = heap()
const now = Date.now()
for (let i = 0; i < dialogs; i++) {
  const dialogId = `chat${i + 1}`
  reads.request({
    botId: 456,
    dialogId,
    messageId: 1_000 + i,
    receivedAt: now,
    trace: { reqId: `req-${i.toString(36)}`, eventId: i },
  })
}
const scheduler = heap() - base
for (let i = 0; i < dialogs; i++) void store.savePending({ botId: 456, dialogId: `chat${i + 1}`, messageId: 1_000 + i })
await store.flushed()
const mirror = heap() - base - scheduler
const seen = new RecentKeys(dialogs)
for (let i = 0; i < dialogs; i++) seen.add(`m:9fed8e7b05533d2644df2ee55b649699:456:${1_000 + i}`)
const dedupe = heap() - base - scheduler - mirror
console.log(
  JSON.stringify({
    dialogs,
    schedulerBytesPerDialog: Math.round(scheduler / dialogs),
    storeMirrorBytesPerDialog: Math.round(mirror / dialogs),
    dedupeBytesPerDialog: Math.round(dedupe / dialogs),
    seen: seen.size,
  }),
)
gate.close()
await store.close()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
