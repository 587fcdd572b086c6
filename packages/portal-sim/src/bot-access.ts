import type { MethodContext } from './context.js'
import { intParam, stringParam } from './params.js'
import { fail } from './rest-error.js'
import type { Params, SimBot } from './types.js'

/** The bot named by `botId`/`code` without an ownership check (`Bot.get` is open to any authorized user). */
export function findBot(ctx: MethodContext, params: Params): SimBot {
  const botId = intParam(params.botId)
  const code = stringParam(params.code)
  if ((botId === undefined || Number.isNaN(botId)) && code === undefined) fail('BOT_ID_REQUIRED')
  const bot =
    botId !== undefined && !Number.isNaN(botId) ? ctx.world.bots.get(botId) : ctx.world.findBotByCode(code ?? '')
  return bot ?? fail('BOT_NOT_FOUND')
}

/** Whether the caller owns the bot: the same `client_id` under OAuth, or the bot's `botToken`. */
export function ownsBot(ctx: MethodContext, bot: SimBot, botToken: string | undefined): boolean {
  if (ctx.auth.kind === 'oauth' && bot.clientId !== undefined && bot.clientId === ctx.auth.clientId) return true
  return botToken !== undefined && bot.botToken !== undefined && botToken === bot.botToken
}

/**
 * The common `imbot.v2` checks (change-log BOT-NEW-0408-1): BOT_ID_REQUIRED, then BOT_TOKEN_NOT_SPECIFIED
 * (webhook auth only), BOT_NOT_FOUND, BOT_OWNERSHIP_ERROR (wrong token or foreign app).
 */
export function requireOwnedBot(ctx: MethodContext, params: Params): SimBot {
  const botId = intParam(params.botId)
  if (botId === undefined || Number.isNaN(botId) || botId <= 0) fail('BOT_ID_REQUIRED')
  const botToken = stringParam(params.botToken)
  if (ctx.auth.kind === 'webhook' && botToken === undefined) fail('BOT_TOKEN_NOT_SPECIFIED')
  const bot = ctx.world.bots.get(botId) ?? fail('BOT_NOT_FOUND')
  if (!ownsBot(ctx, bot, botToken)) fail('BOT_OWNERSHIP_ERROR')
  return bot
}
