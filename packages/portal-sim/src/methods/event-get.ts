import { requireOwnedBot } from '../bot-access.js'
import type { MethodHandler } from '../context.js'
import { intParam } from '../params.js'

/**
 * `imbot.v2.Event.get {botId, botToken, offset?, limit?}`: `offset` confirms every event with a lower id;
 * `limit` is clamped to 1..1000 (default 100). An empty answer has `nextOffset: 0`.
 * @see CB2/imbot.v2/events/event-get.md
 */
export const eventGet: MethodHandler = (ctx, params) => {
  const bot = requireOwnedBot(ctx, params)
  const offset = intParam(params.offset)
  const limit = intParam(params.limit)
  const validOffset = offset !== undefined && !Number.isNaN(offset) && offset > 0 ? offset : undefined
  const validLimit = limit === undefined || Number.isNaN(limit) ? 100 : Math.min(1000, Math.max(1, limit))
  return ctx.queues.fetch(bot.id, validOffset, validLimit)
}
