/** The per-event context is cheap (issue 13): no child logger unless a handler logs, and one debug line per message. */

import { joinChatEvent, messageAddEvent } from '@b24-autoread/portal-sim/events'
import { describe, expect, it, vi } from 'vitest'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent } from '../../src/events/types.js'
import { createLogger } from '../../src/observability/logger.js'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { Lanes } from '../../src/pipeline/lanes.js'
import { createEventRunner } from '../../src/pipeline/run-event.js'
import { memoryLogLines } from '../support/fake-port.js'

function parsed(body: unknown): BotEvent {
  const result = parseEvent(body)
  if (!result.ok || !('bot' in result.event)) throw new Error('the builder made an invalid event')
  return result.event
}

/** Runs `events` through one runner at `level`; returns the log lines and how many child loggers were made. */
async function runAll(events: BotEvent[], handlers: Middleware<EventContext>[], level = 'info') {
  const sink = memoryLogLines()
  const log = createLogger({ level, destination: sink })
  const child = vi.spyOn(log, 'child')
  const lanes = new Lanes({ concurrency: 4, maxQueued: 10 })
  const run = createEventRunner({
    lanes,
    handlers,
    requestRead: () => {},
    api: () => vi.fn(),
    log,
    handlerTimeoutMs: 5_000,
  })
  for (const event of events) expect(run(event, Date.now(), { reqId: 'req-1' })).toBe(true)
  await lanes.idle()
  return { lines: sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>), children: child.mock.calls.length }
}

const message = () => parsed(messageAddEvent({ botId: 456, dialogId: 'chat5', messageId: 789 }))
const join = () => parsed(joinChatEvent({ botId: 456, dialogId: 'chat6' }))

describe('the run context', () => {
  it('makes no child logger for handlers that do not log', async () => {
    const { children } = await runAll([message(), join()], [async (_ctx, next) => next()])
    expect(children).toBe(0)
  })

  it('gives a handler that logs a child logger with the event ids and reqId', async () => {
    const { lines, children } = await runAll([message()], [async (ctx) => ctx.log.info('hello')])
    expect(children).toBe(1)
    expect(lines.find((l) => l.msg === 'hello')).toMatchObject({
      reqId: 'req-1',
      event: 'ONIMBOTV2MESSAGEADD',
      botId: 456,
      dialogId: 'chat5',
      messageId: 789,
    })
  })

  it('logs "event accepted" at debug for a new message (its read line follows) and at info for other events', async () => {
    const info = await runAll([message(), join()], [])
    expect(info.lines.filter((l) => l.msg === 'event accepted')).toEqual([
      expect.objectContaining({ level: 30, event: 'ONIMBOTV2JOINCHAT', dialogId: 'chat6', reqId: 'req-1' }),
    ])
    const debug = await runAll([message()], [], 'debug')
    expect(debug.lines.filter((l) => l.msg === 'event accepted')).toEqual([
      expect.objectContaining({ level: 20, event: 'ONIMBOTV2MESSAGEADD', messageId: 789, reqId: 'req-1' }),
    ])
  })

  it('starts no job inside push: the caller answers first, the job runs on the next turn', async () => {
    const lanes = new Lanes({ concurrency: 4, maxQueued: 10 })
    const started: string[] = []
    lanes.push('a', async () => {
      started.push('job')
    })
    started.push('after push')
    await Promise.resolve()
    started.push('after a microtask')
    await lanes.idle()
    expect(started).toEqual(['after push', 'after a microtask', 'job'])
  })
})
