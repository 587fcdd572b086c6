import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path, { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { batchRefusedIn, durableReadsObserver } from '../../src/store/durable-reads.js'
import { LmdbStore } from '../../src/store/lmdb-store.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { RedisStore } from '../../src/store/redis-store.js'
import { type StateStore, StoreClosedError } from '../../src/store/state-store.js'
import { redisServerBinary, TestRedisServer } from '../support/redis-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const execFileAsync = promisify(execFile)
const dirs: string[] = []
const stores: StateStore[] = []

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'b24-state-'))
  dirs.push(dir)
  return dir
}

async function track<S extends StateStore>(store: Promise<S> | S): Promise<S> {
  const s = await store
  stores.push(s)
  return s
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** One redis-server for the contract run (each store gets a prefix of its own); started on first use. */
let redis: Promise<TestRedisServer> | undefined
let prefixes = 0
afterAll(async () => {
  if (redis !== undefined) await (await redis).dispose()
})

async function redisStore(seenCapacity?: number): Promise<RedisStore> {
  redis ??= TestRedisServer.start()
  const server = await redis
  return RedisStore.open({
    url: server.url(),
    prefix: `contract${++prefixes}:`,
    ...(seenCapacity === undefined ? {} : { seenCapacity }),
  })
}

const redisImplementation: [string, (seenCapacity?: number) => Promise<StateStore>] = ['redis', redisStore]

const implementations: Array<[string, (seenCapacity?: number) => Promise<StateStore>]> = [
  ['memory', async (seenCapacity) => new MemoryStore(seenCapacity === undefined ? {} : { seenCapacity })],
  [
    'lmdb',
    (seenCapacity) => LmdbStore.open({ dir: tempDir(), ...(seenCapacity === undefined ? {} : { seenCapacity }) }),
  ],
  // Left out when there is no redis-server binary (the run then prints one line saying how to install it).
  ...(redisServerBinary === undefined ? [] : [redisImplementation]),
]

describe.each(implementations)('%s state store', (_name, make) => {
  it('keeps the highest pending id per dialog and never lowers it', async () => {
    const store = await track(make())
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 10 })
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 12 })
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 11 })
    await store.savePending({ botId: 7, dialogId: '42', messageId: 3 })
    expect(store.pendingReads().sort((a, b) => a.dialogId.localeCompare(b.dialogId))).toEqual([
      { botId: 7, dialogId: '42', messageId: 3 },
      { botId: 7, dialogId: 'chat1', messageId: 12 },
    ])
  })

  it('clears a pending read only when the confirmed id reaches it', async () => {
    const store = await track(make())
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 12 })
    await store.clearPending({ botId: 7, dialogId: 'chat1', messageId: 11 })
    expect(store.pendingReads()).toHaveLength(1)
    await store.clearPending({ botId: 7, dialogId: 'chat1', messageId: 12 })
    expect(store.pendingReads()).toEqual([])
  })

  it('scopes every watermark by portal: one portal’s confirmation never clears another’s pending read', async () => {
    const store = await track(make())
    const [a, b] = ['3f9a0c', '7be211']
    await store.savePending({ portal: a, botId: 7, dialogId: '27', messageId: 10 })
    await store.savePending({ portal: b, botId: 7, dialogId: '27', messageId: 10 })
    await store.savePending({ botId: 7, dialogId: '27', messageId: 10 })
    await store.clearPending({ portal: a, botId: 7, dialogId: '27', messageId: 10 })
    await store.saveConfirmed({ portal: a, botId: 7, dialogId: '27', messageId: 10 })
    const byPortal = (m: { portal?: string }) => m.portal ?? ''
    expect(store.pendingReads().sort((x, y) => byPortal(x).localeCompare(byPortal(y)))).toEqual([
      { botId: 7, dialogId: '27', messageId: 10 },
      { portal: b, botId: 7, dialogId: '27', messageId: 10 },
    ])
    expect(store.confirmedId(7, '27', a)).toBe(10)
    expect(store.confirmedId(7, '27', b)).toBe(0)
    expect(store.confirmedId(7, '27')).toBe(0)
  })

  it('keeps sealed portal records and forgets a portal with all its state', async () => {
    const store = await track(make())
    const [a, b] = ['3f9a0c', '7be211']
    await store.saveTenant(a, 'sealed-a')
    await store.saveTenant(b, 'sealed-b')
    for (const portal of [a, b]) {
      await store.savePending({ portal, botId: 7, dialogId: 'chat1', messageId: 4 })
      await store.saveConfirmed({ portal, botId: 7, dialogId: 'chat2', messageId: 3 })
    }
    await store.removeTenant(a)
    expect(store.tenant(a)).toBeUndefined()
    expect(store.tenant(b)).toBe('sealed-b')
    expect(store.tenantIds()).toEqual([b])
    expect(store.pendingReads()).toEqual([{ portal: b, botId: 7, dialogId: 'chat1', messageId: 4 }])
    expect(store.confirmedId(7, 'chat2', a)).toBe(0)
    expect(store.confirmedId(7, 'chat2', b)).toBe(3)
  })

  it('replaces a portal record only while it still holds the one read, and never brings back a removed one', async () => {
    const store = await track(make())
    await store.saveTenant('3f9a0c', 'sealed-1')
    expect(await store.replaceTenant('3f9a0c', 'sealed-1', 'sealed-2')).toBe(true)
    expect(store.tenant('3f9a0c')).toBe('sealed-2')
    // Changed meanwhile (tokens refreshed elsewhere): the stale change is refused.
    expect(await store.replaceTenant('3f9a0c', 'sealed-1', 'sealed-3')).toBe(false)
    expect(store.tenant('3f9a0c')).toBe('sealed-2')
    await store.removeTenant('3f9a0c')
    expect(await store.replaceTenant('3f9a0c', 'sealed-2', 'sealed-4')).toBe(false)
    expect(store.tenant('3f9a0c')).toBeUndefined()
    expect(store.tenantIds()).toEqual([])
  })

  it('remembers confirmed watermarks, highest only', async () => {
    const store = await track(make())
    expect(store.confirmedId(7, 'chat1')).toBe(0)
    await store.saveConfirmed({ botId: 7, dialogId: 'chat1', messageId: 20 })
    await store.saveConfirmed({ botId: 7, dialogId: 'chat1', messageId: 15 })
    expect(store.confirmedId(7, 'chat1')).toBe(20)
    expect(store.confirmedId(8, 'chat1')).toBe(0)
  })

  it('keeps the most recent seen keys, oldest first, within its capacity', async () => {
    const store = await track(make(100))
    for (let i = 0; i < 250; i++) await store.addSeenKey(`m:7:${i}`)
    const keys = store.seenKeys()
    expect(keys.length).toBeGreaterThanOrEqual(100)
    expect(keys.length).toBeLessThanOrEqual(110)
    expect(keys.at(-1)).toBe('m:7:249')
    expect(keys).toEqual([...keys].sort((a, b) => Number(a.split(':')[2]) - Number(b.split(':')[2])))
  })

  it('saves named offsets', async () => {
    const store = await track(make())
    expect(store.offset('events')).toBeUndefined()
    await store.saveOffset('events', 41)
    await store.saveOffset('events', 42)
    expect(store.offset('events')).toBe(42)
  })

  it('remembers that the portal refuses imbot.v2 in batch, and forgets it once batch works again', async () => {
    const store = await track(make())
    const observer = durableReadsObserver(store, pino({ level: 'silent' }))
    expect(batchRefusedIn(store)).toBe(false)
    observer.onBatchPath?.(true)
    await store.flushed()
    await vi.waitFor(() => expect(batchRefusedIn(store)).toBe(true))
    observer.onBatchPath?.(false)
    await store.flushed()
    await vi.waitFor(() => expect(batchRefusedIn(store)).toBe(false))
  })

  it('refuses the writes an acknowledgement depends on after close, and says it is closed', async () => {
    const store = await make()
    expect(store.isOpen()).toBe(true)
    await store.close()
    expect(store.isOpen()).toBe(false)
    await expect(store.savePending({ botId: 1, dialogId: 'x', messageId: 1 })).rejects.toThrow(StoreClosedError)
    await expect(store.addSeenKey('m:1:1')).rejects.toThrow(StoreClosedError)
    await expect(store.clearPending({ botId: 1, dialogId: 'x', messageId: 1 })).resolves.toBeUndefined()
    await store.close()
  })
})

describe('lmdb state store on disk', () => {
  it('finds everything again after a reopen of the same directory', async () => {
    const dir = tempDir()
    const first = await LmdbStore.open({ dir })
    await first.savePending({ botId: 7, dialogId: 'chat1', messageId: 12 })
    await first.savePending({ botId: 7, dialogId: 'chat2', messageId: 5 })
    await first.clearPending({ botId: 7, dialogId: 'chat2', messageId: 5 })
    await first.saveConfirmed({ botId: 7, dialogId: 'chat2', messageId: 5 })
    await first.addSeenKey('m:7:12')
    await first.saveOffset('events', 99)
    durableReadsObserver(first, pino({ level: 'silent' })).onBatchPath?.(true)
    await first.savePending({ portal: 'ab12', botId: 7, dialogId: 'chat1', messageId: 3 })
    await first.saveTenant('ab12', 'sealed')
    await first.close()

    const second = await track(LmdbStore.open({ dir }))
    expect(second.pendingReads()).toEqual([
      { botId: 7, dialogId: 'chat1', messageId: 12 },
      { portal: 'ab12', botId: 7, dialogId: 'chat1', messageId: 3 },
    ])
    expect(second.tenant('ab12')).toBe('sealed')
    expect(second.confirmedId(7, 'chat2')).toBe(5)
    expect(second.seenKeys()).toEqual(['m:7:12'])
    expect(second.offset('events')).toBe(99)
    expect(batchRefusedIn(second)).toBe(true)
  })

  it('keeps the most recently confirmed watermarks across a reopen, and forgets the oldest', async () => {
    const dir = tempDir()
    const first = await LmdbStore.open({ dir })
    // Stored times have a resolution of one second: each watermark is confirmed a second after the one before.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') })
    try {
      for (let i = 1; i <= 30; i++) {
        vi.setSystemTime(Date.UTC(2026, 0, 1, 0, 0, 0) + i * 1000)
        // Confirmed in an order unlike the keys' order, so that key order cannot pass for time order.
        const n = ((i * 7) % 30) + 1
        await first.saveConfirmed({ botId: 7, dialogId: `chat${n}`, messageId: n })
      }
    } finally {
      vi.useRealTimers()
    }
    await first.close()
    const second = await track(LmdbStore.open({ dir, confirmedCapacity: 10 }))
    const kept = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => second.confirmedId(7, `chat${n}`) > 0)
    const newest = Array.from({ length: 10 }, (_, k) => (((21 + k) * 7) % 30) + 1).sort((a, b) => a - b)
    expect(kept).toEqual(newest)
  })

  it('a write that resolved is on disk for a second process reading the directory', async () => {
    const dir = tempDir()
    const writer = await track(LmdbStore.open({ dir }))
    await writer.savePending({ botId: 7, dialogId: 'chat9', messageId: 90 })
    await writer.saveConfirmed({ botId: 7, dialogId: 'chat8', messageId: 80 })
    const seen = await readInChildProcess(dir, ['7|chat8'])
    expect(seen).toEqual({ pending: [{ botId: 7, dialogId: 'chat9', messageId: 90 }], confirmed: { '7|chat8': 80 } })
  })

  it('leaves the pending mirror as it was when a write fails', async () => {
    const store = await track(LmdbStore.open({ dir: tempDir() }))
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 3 })
    // LMDB refuses keys over 1978 bytes: a write that fails for a reason of the store's own.
    const tooLong = { botId: 7, dialogId: `chat${'9'.repeat(3000)}`, messageId: 5 }
    await expect(store.savePending(tooLong)).rejects.toThrow(/key size/i)
    expect(store.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat1', messageId: 3 }])
    // The store still works after the failure, and the failed mark is not on disk either.
    await store.savePending({ botId: 7, dialogId: 'chat2', messageId: 4 })
    expect(store.pendingReads()).toHaveLength(2)
  })
})

/** What a separate process finds in `dir` (see read-store-child.ts). */
async function readInChildProcess(dir: string, dialogs: string[]): Promise<unknown> {
  const child = path.join(ROOT, 'test/support/read-store-child.ts')
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', child, dir, ...dialogs], { cwd: ROOT })
  return JSON.parse(stdout)
}
