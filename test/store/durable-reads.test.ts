import { DOC_MEMBER_ID, messageAddEvent } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent } from '../../src/events/types.js'
import { persistEvent } from '../../src/intake/persist-event.js'
import { PortalGate } from '../../src/reads/portal-gate.js'
import { imbotV2Read } from '../../src/reads/read-method.js'
import { ReadScheduler } from '../../src/reads/read-scheduler.js'
import { durableReadsObserver, replayPending } from '../../src/store/durable-reads.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { storedOffset } from '../../src/store/offset-store.js'
import { fakePort } from '../support/fake-port.js'

const silent = pino({ level: 'silent' })

function message(botId: number, dialogId: string, messageId: number): BotEvent {
  const parsed = parseEvent(messageAddEvent({ botId, dialogId, messageId }))
  if (!parsed.ok || parsed.event.type === 'unknown') throw new Error('test event did not parse')
  return parsed.event
}

function scheduler(store: MemoryStore) {
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

describe('durable reads', () => {
  it('stores the pending read and the dedupe key of a message before it is acknowledged', async () => {
    const store = new MemoryStore()
    await persistEvent(store)(message(7, 'chat3', 30))
    expect(store.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat3', messageId: 30 }])
    // The key names the portal (member_id): an OAuth app's portals can share bot and message ids.
    expect(store.seenKeys()).toEqual([`m:${DOC_MEMBER_ID}:7:30`])
  })

  it('keeps nothing pending for a message at or below the confirmed watermark', async () => {
    const store = new MemoryStore()
    await store.saveConfirmed({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await persistEvent(store)(message(7, 'chat3', 29))
    expect(store.pendingReads()).toEqual([])
  })

  it('clears a pending read once the portal confirms it, and remembers the confirmed id', async () => {
    const store = new MemoryStore()
    const { reads, gate } = scheduler(store)
    await persistEvent(store)(message(7, 'chat3', 30))
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await reads.idle()
    gate.close()
    expect(store.pendingReads()).toEqual([])
    expect(store.confirmedId(7, 'chat3')).toBe(30)
  })

  it('keeps a newer pending id when an older read is confirmed', async () => {
    const store = new MemoryStore()
    const { reads, port, gate } = scheduler(store)
    port.hold()
    await persistEvent(store)(message(7, 'chat3', 30))
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await persistEvent(store)(message(7, 'chat3', 31))
    port.release()
    await new Promise((resolve) => setTimeout(resolve, 20))
    // 30 was confirmed; 31 is still pending in the store until its own read is confirmed.
    expect(store.pendingReads()).toEqual([{ botId: 7, dialogId: 'chat3', messageId: 31 }])
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 31 })
    await reads.idle()
    gate.close()
    expect(store.pendingReads()).toEqual([])
  })

  it('clears the read of a dialog gone for the bot', async () => {
    const store = new MemoryStore()
    const { reads, port, gate } = scheduler(store)
    port.answer = () => ({ ok: false, error: { code: 'CHAT_NOT_FOUND', status: 400, message: 'no' } })
    await persistEvent(store)(message(7, 'chat3', 30))
    reads.request({ botId: 7, dialogId: 'chat3', messageId: 30 })
    await reads.idle()
    gate.close()
    expect(store.pendingReads()).toEqual([])
  })

  it('replays stored reads at start, and clears those confirmed before the stop', async () => {
    const store = new MemoryStore()
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 10 })
    await store.savePending({ botId: 7, dialogId: 'chat2', messageId: 20 })
    await store.saveConfirmed({ botId: 7, dialogId: 'chat2', messageId: 20 })
    const { reads, port, gate } = scheduler(store)
    expect(replayPending(store, reads, silent)).toBe(1)
    await reads.idle()
    gate.close()
    const sent = port.recorded.flatMap((r) => (r.kind === 'call' ? [r.call] : r.calls))
    expect(sent.map((c) => [c.params.dialogId, c.params.messageId])).toEqual([['chat1', 10]])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(store.pendingReads()).toEqual([])
  })

  it('never sends a read below a confirmed id known only to the store', async () => {
    const store = new MemoryStore()
    await store.saveConfirmed({ botId: 7, dialogId: 'chat1', messageId: 50 })
    const { reads, port, gate } = scheduler(store)
    reads.request({ botId: 7, dialogId: 'chat1', messageId: 40 })
    await reads.idle()
    gate.close()
    expect(port.recorded).toEqual([])
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
