/**
 * Heap bytes per pending dialog, measured in-process after a forced GC: the read scheduler (with a portal that never
 * answers, so every read stays pending), the LMDB store's mirror of pending watermarks and the intake's dedupe keys
 * (with an OAuth-length portal id in each), as `N` dialogs are added. Typed arrays count (`arrayBuffers`).
 * Then a second scheduler whose portal fails every read (a 500 per command), with the default retry settings: its bytes per dialog once every dialog failed once and waits out its own backoff, and once every
 * dialog is parked (its clock moved past READ_PARK_AFTER_MS's default).
 * Run: `node --expose-gc --import tsx bench/memory-per-dialog.ts [dialogs]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { BitrixPort, RestError } from '../src/bitrix/port.js'
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

// The portal failing every read, on a clock the bench can move forward. Each command of a batch fails on its own
// (a 500), so the gate does not cool the whole portal down and the bench stays short; what is kept per dialog (its
// attempts, when it began failing, its due time or its parked mark) is the same as when whole requests fail.
let shift = 0
const clock = () => Date.now() + shift
let failedDialogs = 0
const failed: RestError = { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'Internal server error' }
const down: BitrixPort = {
  portal: 'bench.example',
  call: async () => {
    failedDialogs++
    return { ok: false, error: failed }
  },
  batch: async (calls) => {
    failedDialogs += calls.size
    return { ok: true, results: new Map([...calls.keys()].map((key) => [key, { ok: false, error: failed }])) }
  },
}
const downGate = new PortalGate({ burst: 1e9, perSec: 1e9, maxInFlight: 4, now: clock })
const failing = new ReadScheduler({
  port: down,
  gate: downGate,
  readMethod: imbotV2Read('token'),
  log: pino({ level: 'silent' }),
  maxPendingDialogs: dialogs * 2,
  now: clock,
})
const waitFor = async (done: () => boolean, what: string) => {
  const deadline = Date.now() + 120_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const downBase = heap()
for (let i = 0; i < dialogs; i++) {
  failing.request({
    botId: 456,
    dialogId: `chat${i + 1}`,
    messageId: 1_000 + i,
    receivedAt: clock(),
    trace: { reqId: `req-${i.toString(36)}`, eventId: i },
  })
}
await waitFor(() => failedDialogs >= dialogs, 'every dialog to fail once')
const backingOff = heap() - downBase
// Past the park window: each dialog's next failure parks it.
shift += 11 * 60_000
await waitFor(() => failing.parkedDialogs === dialogs, 'every dialog to be parked')
const parked = heap() - downBase
failing.close()
downGate.close()

console.log(
  JSON.stringify({
    dialogs,
    schedulerBytesPerDialog: Math.round(scheduler / dialogs),
    storeMirrorBytesPerDialog: Math.round(mirror / dialogs),
    dedupeBytesPerDialog: Math.round(dedupe / dialogs),
    seen: seen.size,
    portalDownBackingOffBytesPerDialog: Math.round(backingOff / dialogs),
    portalDownParkedBytesPerDialog: Math.round(parked / dialogs),
    failedAttempts: failedDialogs,
  }),
)
gate.close()
await store.close()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
