import { findBot } from '../bot-access.js'
import { botUser, fullBot } from '../bot-view.js'
import type { MethodHandler } from '../context.js'

/**
 * `imbot.v2.Bot.get {botId | code, botToken}`: `{bot, users}`; open to any authorized user.
 * @see CB2/imbot.v2/bots/bot-get.md
 */
export const botGet: MethodHandler = (ctx, params) => {
  const bot = findBot(ctx, params)
  return { bot: fullBot(bot, ctx.world), users: [botUser(bot)] }
}
