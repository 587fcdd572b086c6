import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOC_MEMBER_ID, messageAddEvent } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent } from '../../src/events/types.js'
import { persistEvent } from '../../src/intake/persist-event.js'
import { PortalGate } from '../../src/reads/portal-gate.js'
import { imbotV2Read } from '../../src/reads/read-method.js'
import { ReadScheduler } from '../../src/reads/read-scheduler.js'
import { durableReadsObserver, replayPending } from '../../src/store/durable-reads.js'
import { LmdbStore } from '../../src/store/lmdb-store.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { storedOffset } from '../../src/store/offset-store.js'
import type { StateStore } from '../../src/store/state-store.js'
import { fakePort } from '../support/fake-port.js'

const silent = pino({ level: 'silent' })

const dirs: string[] = []
const opened: StateStore[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Opens a store of the kind; `dir` reopens an LMDB directory (a restart). */
async function openStore(kind: 'memory' | 'lmdb', dir?: string): Promise<StateStore> {
  let store: StateStore
  if (kind === 'memory') store = new MemoryStore()
  else {
    const where = dir ?? mkdtempSync(join(tmpdir(), 'b24-durable-'))
    if (dir === undefined) dirs.push(where)
    store = await LmdbStore.open({ dir: where })
  }
  opened.push(store)
  return store
}

function message(botId: number, dialogId: string, messageId: number): BotEvent {
  const parsed = parseEvent(messageAddEvent({ botId, dialogId, messageId }))
  if (!parsed.ok || parsed.event.type === 'unknown') throw new Error('test event did not parse')
  return parsed.event
}

function scheduler(store: StateStore) {
  const port = fakePort()
  const gate = new PortalGate({ burst: 50, perSec: 50, maxInFlight: 4, random: () => 0.5 })
  const reads = new ReadScheduler({
    port,
    gate,
    readMethod: imbotV2Read('bot-token-for-tests'),
    log: silent,
    maxPendingDialogs: 100,
    observers: [durableReadsObserver(store, silent)],
    confirmedOf: (botId, dialogId) => store.confirmedId(botId, dialogId),
  })
  return { port, gate, reads }
}

describe.each(['memory', 'lmdb'] as const)('durable reads over the %s store', (kind) => {
  it('stores the pending read and the dedupe key of a message before it is acknowledged', async () => {
    const store = await openStore(kind)
    await persistEvent(store)(message(7, 'chat3', 30))
    expect(store.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat3', messageId: 30 }])
    // The key names the portal (member_id): an OAuth app's portals can share bot and message ids.
    expect(store.seenKeys()).toEqual([`m:${DOC_MEMBER_ID}:7:30`])
  })

  it('keeps nothing pending for a message at or below the confirmed watermark', async () => {
    const store = await openStore(kind)
    await store.saveConfirmed({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await persistEvent(store)(message(7, 'chat3', 29))
    expect(store.pendingReads()).toEqual([])
  })

  it('clears a pending read once the portal confirms it, and remembers the confirmed id', async () => {
    const store = await openStore(kind)
    const { reads, gate } = scheduler(store)
    await persistEvent(store)(message(7, 'chat3', 30))
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await reads.idle()
    gate.close()
    expect(store.pendingReads()).toEqual([])
    expect(store.confirmedId(7, 'chat3')).toBe(30)
  })

  it('keeps a newer pending id when an older read is confirmed', async () => {
    const store = await openStore(kind)
    const { reads, port, gate } = scheduler(store)
    port.hold()
    await persistEvent(store)(message(7, 'chat3', 30))
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await persistEvent(store)(message(7, 'chat3', 31))
    port.release()
    // 30 was confirmed; 31 is still pending in the store until its own read is confirmed.
    await vi.waitFor(() => expect(store.confirmedId(7, 'chat3')).toBe(30))
    expect(store.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat3', messageId: 31 }])
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 31 })
    await reads.idle()
    gate.close()
    expect(store.pendingReads()).toEqual([])
  })

  it('clears the read of a dialog gone for the bot', async () => {
    const store = await openStore(kind)
    const { reads, port, gate } = scheduler(store)
    port.answer = () => ({ ok: false, error: { code: 'CHAT_NOT_FOUND', status: 400, message: 'no' } })
    await persistEvent(store)(message(7, 'chat3', 30))
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await reads.idle()
    gate.close()
    expect(store.pendingReads()).toEqual([])
  })

  it('replays stored reads at start, and clears those confirmed before the stop', async () => {
    const store = await openStore(kind)
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 10 })
    await store.savePending({ botId: 7, dialogId: 'chat2', messageId: 20 })
    await store.saveConfirmed({ botId: 7, dialogId: 'chat2', messageId: 20 })
    const { reads, port, gate } = scheduler(store)
    expect(replayPending(store, reads, silent)).toBe(1)
    await reads.idle()
    gate.close()
    const sent = port.recorded.flatMap((r) => (r.kind === 'call' ? [r.call] : r.calls))
    expect(sent.map((c) => [c.params.dialogId, c.params.messageId])).toEqual([['chat1', 10]])
    await vi.waitFor(() => expect(store.pendingReads()).toEqual([]))
  })

  it('never sends a read below a confirmed id known only to the store', async () => {
    const store = await openStore(kind)
    await store.saveConfirmed({ botId: 7, dialogId: 'chat1', messageId: 50 })
    const { reads, port, gate } = scheduler(store)
    reads.request({ botId: 7, dialogId: 'chat1', messageId: 40 })
    await reads.idle()
    gate.close()
    expect(port.recorded).toEqual([])
  })

  it.runIf(kind === 'lmdb')('replays after a restart what was acknowledged before it, and only that', async () => {
    const first = await openStore(kind)
    const dir = dirs.at(-1) ?? ''
    await persistEvent(first)(message(7, 'chat1', 10))
    await persistEvent(first)(message(7, 'chat2', 20))
    const before = scheduler(first)
    before.reads.request({ botId: 7, dialogId: 'chat2', messageId: 20 })
    await before.reads.idle()
    before.gate.close()
    await first.close()

    const second = await openStore(kind, dir)
    expect(second.confirmedId(7, 'chat2')).toBe(20)
    const { reads, port, gate } = scheduler(second)
    expect(replayPending(second, reads, silent)).toBe(1)
    // A late redelivery below the stored confirmed id is not sent either.
    reads.request({ botId: 7, dialogId: 'chat2', messageId: 19 })
    await reads.idle()
    gate.close()
    const sent = port.recorded.flatMap((r) => (r.kind === 'call' ? [r.call] : r.calls))
    expect(sent.map((c) => [c.params.dialogId, c.params.messageId])).toEqual([['chat1', 10]])
    await vi.waitFor(() => expect(second.pendingReads()).toEqual([]))
  })
})

describe('stored offset', () => {
  it('loads what was saved, undefined before', async () => {
    const store = new MemoryStore()
    const offsets = storedOffset(store, 'events:7')
    expect(await offsets.load()).toBeUndefined()
    await offsets.save(120)
    expect(await offsets.load()).toBe(120)
    expect(await storedOffset(store, 'events:8').load()).toBeUndefined()
  })
})
