import { joinChatEvent, messageAddEvent } from '@b24-autoread/portal-sim/events'
import { describe, expect, it, vi } from 'vitest'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent } from '../../src/events/types.js'
import { createLogger } from '../../src/observability/logger.js'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { Lanes } from '../../src/pipeline/lanes.js'
import { createEventRunner, type RequestRead } from '../../src/pipeline/run-event.js'
import { memoryLogLines } from '../support/fake-port.js'

function parsed(body: unknown): BotEvent {
  const result = parseEvent(body)
  if (!result.ok || !('bot' in result.event)) throw new Error('the builder made an invalid event')
  return result.event
}

/** Runs one event through a runner with `handlers`; resolves when its pipeline has ended. */
async function run(event: BotEvent, handlers: Middleware<EventContext>[], order: string[] = []) {
  const reads: Array<Parameters<RequestRead>[0]> = []
  const sink = memoryLogLines()
  const lanes = new Lanes({ concurrency: 4, maxQueued: 10 })
  const runner = createEventRunner({
    lanes,
    handlers,
    requestRead: (read) => {
      order.push('read')
      reads.push(read)
    },
    api: () => vi.fn(),
    log: createLogger({ level: 'info', destination: sink }),
    handlerTimeoutMs: 5_000,
  })
  expect(runner(event, Date.now())).toBe(true)
  await lanes.idle()
  return { reads, logs: sink.lines.map((l) => JSON.parse(l)) }
}

const message = () => parsed(messageAddEvent({ botId: 456, dialogId: 'chat5', messageId: 789 }))

describe('the read rule: a message is marked read once, when its pipeline ends, however it ends', () => {
  it('reads after handlers that all call next', async () => {
    const order: string[] = []
    const { reads } = await run(
      message(),
      [
        async (_ctx, next) => {
          order.push('handler')
          await next()
          order.push('after next')
        },
      ],
      order,
    )
    expect(reads).toMatchObject([{ botId: 456, dialogId: 'chat5', messageId: 789 }])
    expect(order).toEqual(['handler', 'after next', 'read'])
  })

  it('reads when a handler stops the chain', async () => {
    const later = vi.fn()
    const { reads } = await run(message(), [async () => {}, later])
    expect(later).not.toHaveBeenCalled()
    expect(reads).toHaveLength(1)
  })

  it('reads when a handler throws, and logs a PipelineError with the ids and the cause', async () => {
    const { reads, logs } = await run(message(), [
      async () => {
        throw Object.assign(new Error('boom'), { code: 'E_HANDLER' })
      },
    ])
    expect(reads).toHaveLength(1)
    const line = logs.find((l) => l.msg === 'a handler failed; the message is still marked read')
    expect(line).toMatchObject({ level: 50, botId: 456, dialogId: 'chat5', messageId: 789 })
    expect(line.err).toEqual({
      type: 'PipelineError',
      code: 'HANDLER_FAILED',
      message: 'A pipeline handler threw; the message is still marked read',
      cause: { type: 'Error', code: 'E_HANDLER', message: 'boom' },
    })
  })

  it('reads at once when a handler asks for it, and only once', async () => {
    const order: string[] = []
    const { reads } = await run(
      message(),
      [
        async (ctx, next) => {
          ctx.markRead()
          ctx.markRead()
          order.push('handler goes on')
          await next()
        },
      ],
      order,
    )
    expect(reads).toHaveLength(1)
    expect(order).toEqual(['read', 'handler goes on'])
  })

  it('reads nothing for events that are not messages', async () => {
    const { reads } = await run(parsed(joinChatEvent({ botId: 456, dialogId: 'chat5' })), [
      async (ctx, next) => {
        ctx.markRead()
        await next()
      },
    ])
    expect(reads).toHaveLength(0)
  })
})
