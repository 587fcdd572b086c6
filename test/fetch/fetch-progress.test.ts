import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { MessageAddEvent } from '../../src/events/types.js'
import { FetchProgress } from '../../src/intake/fetch-progress.js'
import { MemoryOffsetStore } from '../support/memory-offset-store.js'

const log = pino({ level: 'silent' })

function message(eventId: number, dialogId: string, messageId: number): MessageAddEvent {
  return {
    type: 'ONIMBOTV2MESSAGEADD',
    eventId,
    bot: { id: 7, code: 'b', auth: undefined },
    ts: undefined,
    portal: { domain: undefined, memberId: undefined },
    message: { id: messageId, chatId: 1, authorId: 1, text: '', isSystem: false, uuid: '' },
    chat: { id: 1, dialogId, type: 'private' },
    user: { id: 1, isBot: false, name: '' },
    language: 'en',
  }
}

async function setup(initial?: number) {
  const store = new MemoryOffsetStore(initial)
  const confirmed = new Map<string, number>()
  const progress = new FetchProgress({ store, confirmedId: (b, d) => confirmed.get(`${b}|${d}`) ?? 0, log })
  await progress.load()
  return { store, confirmed, progress }
}

describe('fetch progress: the offset confirmed to Event.get', () => {
  it('stays below a message until its read is confirmed, then moves past the page', async () => {
    const { store, progress } = await setup()
    progress.begin(10)
    progress.begin(11)
    progress.pageHandled(12)
    progress.onProcessed(message(10, '5', 100))
    progress.onProcessed(message(11, '6', 101))
    expect(progress.offset).toBe(10)
    progress.observer.onConfirmed?.({ botId: 7, dialogId: '6', messageId: 101 }, { lagMs: 0, messages: 1 })
    expect(progress.offset).toBe(10)
    progress.observer.onConfirmed?.({ botId: 7, dialogId: '5', messageId: 100 }, { lagMs: 0, messages: 1 })
    expect(progress.offset).toBe(12)
    await progress.flushed()
    // Saves run one at a time and carry the latest offset, so a quick advance is one write.
    expect(store.history).toEqual([12])
  })

  it('counts a terminally refused read as done, and a message already read at once', async () => {
    const { confirmed, progress } = await setup()
    confirmed.set('7|5', 200)
    progress.begin(1)
    progress.begin(2)
    progress.pageHandled(3)
    progress.onProcessed(message(1, '5', 150))
    progress.onProcessed(message(2, '9', 300))
    expect(progress.offset).toBe(2)
    progress.observer.onDropped?.(
      { botId: 7, dialogId: '9', messageId: 300 },
      { code: 'ACCESS_DENIED', status: 403, message: '' },
      'dialog-gone',
    )
    expect(progress.offset).toBe(3)
    await progress.idle()
  })

  it('never moves back: not for an empty page (nextOffset 0), not for an abandoned event', async () => {
    const { store, progress } = await setup(50)
    progress.pageHandled(0)
    expect(progress.offset).toBe(50)
    progress.begin(50)
    progress.abandon(50)
    expect(progress.offset).toBe(50)
    progress.finish(51)
    progress.pageHandled(52)
    expect(progress.offset).toBe(52)
    await progress.flushed()
    expect(store.history).toEqual([52])
  })

  it('finishes an event whose read was refused at the pending bound instead of waiting forever', async () => {
    const { progress } = await setup()
    progress.begin(1)
    progress.readRefused(1)
    progress.onProcessed(message(1, '5', 10))
    progress.pageHandled(2)
    expect(progress.inFlight).toBe(0)
    expect(progress.offset).toBe(2)
  })
})
