import { requireOwnedBot } from '../bot-access.js'
import type { MethodHandler } from '../context.js'

/**
 * `imbot.v2.Bot.unregister {botId, botToken}`: deletes the bot and its event queue; `true`.
 * @see CB2/imbot.v2/bots/bot-unregister.md
 */
export const botUnregister: MethodHandler = (ctx, params) => {
  const bot = requireOwnedBot(ctx, params)
  ctx.world.removeBot(bot.id)
  ctx.queues.drop(bot.id)
  return true
}
