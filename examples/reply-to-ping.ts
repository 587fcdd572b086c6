/**
 * An example of extending the pipeline: answer "ping" with "pong" before the message is marked read.
 * Build the service with it by running this file instead of dist/server.js:
 *
 *   npx tsx examples/reply-to-ping.ts        (or compile it and run with node)
 *
 * The handler calls Bitrix24 through `ctx.api`, which goes through the same portal rate limiter as the reads
 * and adds botId/botToken for you. A handler that throws is logged and never prevents the read.
 */
import { closeOnSignals, type EventContext, isEvent, type Middleware, startService } from '../src/index.js'

/** Replies "pong" to a message whose text is "ping". */
export const replyToPing: Middleware<EventContext> = async (ctx, next) => {
  if (isEvent(ctx, 'ONIMBOTV2MESSAGEADD') && ctx.event.message.text.trim().toLowerCase() === 'ping') {
    await ctx.api('imbot.v2.Chat.Message.send', { dialogId: ctx.event.chat.dialogId, fields: { message: 'pong' } })
    ctx.log.info('answered ping')
  }
  await next()
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The same environment, state store and SDK ports as `node dist/server.js`, plus the handler.
  closeOnSignals(await startService({ env: process.env, handlers: [replyToPing] }))
}
