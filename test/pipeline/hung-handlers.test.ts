/** The service with every pipeline slot held by a handler that never ends: reads still go out, intake keeps going. */

import { messageAddEvent } from '@b24-autoread/portal-sim/events'
import { describe, expect, it, vi } from 'vitest'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { BUILT_BOT, build } from '../support/build.js'

describe('hung handlers', () => {
  it('64 handlers that never end neither block their reads nor stall the next dialog', async () => {
    const hangs: Middleware<EventContext> = async (ctx, next) => {
      if (ctx.event.type === 'ONIMBOTV2MESSAGEADD' && ctx.event.chat.dialogId.startsWith('chat1')) {
        await new Promise(() => {})
      }
      await next()
    }
    const { post, readsSent } = await build({
      env: { PIPELINE_CONCURRENCY: '64', HANDLER_TIMEOUT_MS: '100' },
      handlers: [hangs],
    })
    const token = BUILT_BOT.applicationToken
    for (let i = 0; i < 64; i++) {
      const res = await post(messageAddEvent({ applicationToken: token, dialogId: `chat1${i}`, messageId: 10 + i }))
      expect(res.statusCode).toBe(200)
    }
    expect(
      (await post(messageAddEvent({ applicationToken: token, dialogId: 'chat2', messageId: 99 }))).statusCode,
    ).toBe(200)
    await vi.waitFor(() => expect(readsSent().map((r) => r.messageId)).toContain(99), { timeout: 10_000 })
    await vi.waitFor(() => expect(new Set(readsSent().map((r) => r.dialogId)).size).toBe(65), { timeout: 10_000 })
  })
})
