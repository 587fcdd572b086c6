/** Built-in first stage: one info line per accepted event with its ids. */
import type { Middleware } from '../compose.js'
import type { EventContext } from '../context.js'

/** Logs the event, then continues. */
export const logEvent: Middleware<EventContext> = async (ctx, next) => {
  ctx.log.info('event accepted')
  await next()
}
