/**
 * `b24-autoread unregister`: `imbot.v2.Bot.unregister {botId, botToken}` deletes the bot.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-unregister.html
 */
import { botIdentity, parseCommandArgs } from '../args.js'
import type { CliContext } from '../context.js'

/** Deletes the bot. */
export async function unregister(args: readonly string[], ctx: CliContext): Promise<void> {
  const values = parseCommandArgs(args, { 'bot-id': { type: 'string' }, token: { type: 'string' } })
  const { botId, botToken } = botIdentity(values, ctx.env)
  ctx.scrubber.add(botToken)
  // Not repeated after a timeout: a second call would answer BOT_NOT_FOUND for a bot the first one deleted.
  await ctx.call('imbot.v2.Bot.unregister', { botId, botToken }, { idempotent: false })
  ctx.done('unregister', { bot: { id: botId } }, [
    `Unregistered bot ${botId}; remove B24_BOT_ID and B24_BOT_TOKEN from the service's environment.`,
  ])
}
