/** `ctx.api` in the built service: calls go to the event's portal as the bot; failures carry Bitrix24's code. */

import { messageAddEvent } from '@b24-autoread/portal-sim/events'
import { describe, expect, it } from 'vitest'
import { BotApiError } from '../../src/bitrix/rest-call-error.js'
import type { Middleware } from '../../src/pipeline/compose.js'
import { type EventContext, isEvent } from '../../src/pipeline/context.js'
import { BUILT_BOT, build } from '../support/build.js'
import { readOk } from '../support/fake-port.js'

const SEND = 'imbot.v2.Chat.Message.send'

/** A handler that answers every message and keeps what the call threw. */
function replier(errors: unknown[]): Middleware<EventContext> {
  return async (ctx, next) => {
    if (isEvent(ctx, 'ONIMBOTV2MESSAGEADD')) {
      try {
        await ctx.api(SEND, { dialogId: ctx.event.chat.dialogId, fields: { message: 'pong' } })
      } catch (err) {
        errors.push(err)
      }
    }
    await next()
  }
}

describe('bot api', () => {
  it('adds botId and botToken to a handler call and sends it to the portal once', async () => {
    const errors: unknown[] = []
    const { service, port, post } = await build({ handlers: [replier(errors)] })
    await post(messageAddEvent({ applicationToken: BUILT_BOT.applicationToken, dialogId: 'chat9' }))
    await service.idle()
    const sends = port.recorded.flatMap((r) => (r.kind === 'call' && r.call.method === SEND ? [r.call.params] : []))
    expect(sends).toEqual([
      { botId: BUILT_BOT.id, botToken: BUILT_BOT.botToken, dialogId: 'chat9', fields: { message: 'pong' } },
    ])
    expect(errors).toEqual([])
  })

  it("throws a BotApiError with the portal's code and never retries a failed send", async () => {
    const errors: unknown[] = []
    const { service, port, post, readsSent } = await build({ handlers: [replier(errors)] })
    port.answer = (call) =>
      call.method === SEND
        ? { ok: false, error: { code: 'INTERNAL_SERVER_ERROR', status: 500, message: 'boom' } }
        : readOk(call)
    await post(messageAddEvent({ applicationToken: BUILT_BOT.applicationToken, messageId: 3 }))
    await service.idle()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(BotApiError)
    expect(errors[0]).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', method: SEND })
    expect(port.recorded.filter((r) => r.kind === 'call' && r.call.method === SEND)).toHaveLength(1)
    expect(readsSent().map((r) => r.messageId)).toEqual([3])
  })
})
