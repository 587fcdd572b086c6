/** Built-in last stage: marks an incoming message read (`imbot.v2.Chat.Message.read` through the read scheduler). */
import type { Middleware } from '../compose.js'
import type { EventContext } from '../context.js'

/** Requests the read for message events, then continues. */
export const markRead: Middleware<EventContext> = async (ctx, next) => {
  if (ctx.event.type === 'ONIMBOTV2MESSAGEADD') ctx.markRead()
  await next()
}
