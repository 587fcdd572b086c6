/** The event runner: handlers in per-dialog lanes, and the rule that a message is always read once. */

import { joinChatEvent, messageAddEvent } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent } from '../../src/events/types.js'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { BotApiCall, EventContext } from '../../src/pipeline/context.js'
import { Lanes } from '../../src/pipeline/lanes.js'
import { createEventRunner, type RequestRead } from '../../src/pipeline/run-event.js'
import { memoryLogLines } from '../support/fake-port.js'

function eventOf(body: object): BotEvent {
  const parsed = parseEvent(body)
  if (!parsed.ok || parsed.event.type === 'unknown') throw new Error('test event does not parse')
  return parsed.event
}

/** A runner over fresh lanes; reads and finished events are recorded. */
function runner(
  handlers: Middleware<EventContext>[],
  lanes = new Lanes({ concurrency: 4, maxQueued: 100 }),
  handlerTimeoutMs = 5_000,
) {
  const reads: Array<Parameters<RequestRead>[0]> = []
  const done: Array<{ type: string; failed: boolean }> = []
  const sink = memoryLogLines()
  const api: BotApiCall = () => Promise.reject(new Error('not called in these tests'))
  const run = createEventRunner({
    lanes,
    handlers,
    requestRead: (read) => reads.push(read),
    api: () => api,
    log: pino({ level: 'info' }, sink),
    handlerTimeoutMs,
    onDone: (event, failed) => done.push({ type: event.type, failed }),
  })
  return { run, reads, done, lanes, logs: sink.lines, api }
}

describe('event runner', () => {
  it('runs the handlers in order and then reads the message once, even when a handler marks it read too', async () => {
    const order: string[] = []
    const first: Middleware<EventContext> = async (ctx, next) => {
      order.push('first')
      ctx.markRead()
      await next()
    }
    const second: Middleware<EventContext> = async (_ctx, next) => {
      order.push('second')
      await next()
    }
    const { run, reads, done, lanes } = runner([first, second])
    expect(run(eventOf(messageAddEvent({ dialogId: 'chat3', messageId: 12 })), 1000, { reqId: 'r1' })).toBe(true)
    await lanes.idle()
    expect(order).toEqual(['first', 'second'])
    expect(reads).toEqual([{ botId: 456, dialogId: 'chat3', messageId: 12, receivedAt: 1000, trace: { reqId: 'r1' } }])
    expect(done).toEqual([{ type: 'ONIMBOTV2MESSAGEADD', failed: false }])
  })

  it('logs a handler that throws with the event ids and still reads the message', async () => {
    const failing: Middleware<EventContext> = async () => {
      throw new Error('handler bug')
    }
    const { run, reads, done, lanes, logs } = runner([failing])
    run(eventOf(messageAddEvent({ messageId: 8 })), 1)
    await lanes.idle()
    expect(reads.map((r) => r.messageId)).toEqual([8])
    expect(done).toEqual([{ type: 'ONIMBOTV2MESSAGEADD', failed: true }])
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.err?.code === 'HANDLER_FAILED')
    expect(line).toMatchObject({ level: 50, messageId: 8, botId: 456, err: { code: 'HANDLER_FAILED' } })
    expect(line.err.message).toContain('handler bug')
  })

  it('never reads an event that is not a new message', async () => {
    const { run, reads, done, lanes } = runner([])
    run(eventOf(joinChatEvent()), 1)
    await lanes.idle()
    expect(reads).toEqual([])
    expect(done).toEqual([{ type: 'ONIMBOTV2JOINCHAT', failed: false }])
  })

  it('runs the events of one dialog one after the other, in order', async () => {
    const seen: number[] = []
    let active = 0
    let overlap = false
    const slow: Middleware<EventContext> = async (ctx, next) => {
      active++
      if (active > 1) overlap = true
      await new Promise((resolve) => setImmediate(resolve))
      if (ctx.event.type === 'ONIMBOTV2MESSAGEADD') seen.push(ctx.event.message.id)
      active--
      await next()
    }
    const { run, lanes } = runner([slow])
    for (const id of [1, 2, 3]) run(eventOf(messageAddEvent({ dialogId: 'chat1', messageId: id })), id)
    await lanes.idle()
    expect(seen).toEqual([1, 2, 3])
    expect(overlap).toBe(false)
  })

  it('refuses an event when the lanes are full, without running it', async () => {
    const handler = vi.fn<Middleware<EventContext>>(async (_ctx, next) => next())
    const { run, reads, lanes } = runner([handler], new Lanes({ concurrency: 1, maxQueued: 1 }))
    expect(run(eventOf(messageAddEvent({ messageId: 1 })), 1)).toBe(true)
    expect(run(eventOf(messageAddEvent({ messageId: 2 })), 1)).toBe(false)
    await lanes.idle()
    expect(handler).toHaveBeenCalledTimes(1)
    expect(reads.map((r) => r.messageId)).toEqual([1])
  })

  it('gives handlers the API built for their event', async () => {
    let given: BotApiCall | undefined
    const { run, lanes, api } = runner([
      async (ctx, next) => {
        given = ctx.api
        await next()
      },
    ])
    run(eventOf(messageAddEvent()), 1)
    await lanes.idle()
    expect(given).toBe(api)
  })

  it('reads the message of a handler that never ends once the timeout passes, and logs it with the ids', async () => {
    const hung: Middleware<EventContext> = () => new Promise<void>(() => {})
    const { run, reads, done, lanes, logs } = runner([hung], undefined, 30)
    run(eventOf(messageAddEvent({ dialogId: 'chat7', messageId: 41 })), 1, { reqId: 'r9' })
    await vi.waitFor(() => expect(reads.map((r) => r.messageId)).toEqual([41]), { timeout: 5_000 })
    await lanes.idle()
    expect(done).toEqual([{ type: 'ONIMBOTV2MESSAGEADD', failed: false }])
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg.includes('HANDLER_TIMEOUT_MS'))
    expect(line).toMatchObject({ level: 40, dialogId: 'chat7', messageId: 41, botId: 456, reqId: 'r9', timeoutMs: 30 })
  })

  it('logs a late handler again when it finally throws', async () => {
    let fail: (err: Error) => void = () => {}
    const late: Middleware<EventContext> = () =>
      new Promise<void>((_resolve, reject) => {
        fail = reject
      })
    const { run, reads, lanes, logs } = runner([late], undefined, 20)
    run(eventOf(messageAddEvent({ messageId: 5 })), 1)
    await lanes.idle()
    expect(reads.map((r) => r.messageId)).toEqual([5])
    fail(new Error('late bug'))
    await vi.waitFor(() => {
      const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'a late handler failed')
      expect(line).toMatchObject({ level: 50, messageId: 5, err: { code: 'HANDLER_FAILED' } })
    })
  })

  it('keeps serving other dialogs and the next events of a dialog when every slot holds a hung handler', async () => {
    const hung = new Set([1, 2, 3, 4, 5, 6, 7, 8])
    const handler: Middleware<EventContext> = async (ctx, next) => {
      if (ctx.event.type === 'ONIMBOTV2MESSAGEADD' && hung.has(ctx.event.message.id)) await new Promise(() => {})
      await next()
    }
    // Twice as many hung handlers as slots; each dialog's second event comes after its hung one.
    const { run, reads, lanes } = runner([handler], new Lanes({ concurrency: 4, maxQueued: 100 }), 30)
    for (const id of hung) run(eventOf(messageAddEvent({ dialogId: `chat${id}`, messageId: id })), 1)
    for (const id of hung) run(eventOf(messageAddEvent({ dialogId: `chat${id}`, messageId: 100 + id })), 1)
    run(eventOf(messageAddEvent({ dialogId: 'chat999', messageId: 999 })), 1)
    await lanes.idle()
    expect(reads.map((r) => r.messageId).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 101, 102, 103, 104, 105, 106, 107, 108, 999,
    ])
  })
})
