/**
 * `b24-autoread info`: `imbot.v2.Bot.get {botId | code, botToken}` (the extended format for the bot's owner).
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-get.html
 */
import { botIdentity, parseCommandArgs } from '../args.js'
import type { CliContext } from '../context.js'
import { usageError } from '../io.js'

/** The fields of the Bot object the text output shows, in order. */
const SHOWN = ['id', 'code', 'type', 'eventMode', 'isHidden', 'language', 'countChat', 'countUser', 'countMessage']

/** Shows the bot. */
export async function info(args: readonly string[], ctx: CliContext): Promise<void> {
  const values = parseCommandArgs(args, {
    'bot-id': { type: 'string' },
    code: { type: 'string' },
    token: { type: 'string' },
  })
  let params: Record<string, unknown>
  if (values.code !== undefined && values['bot-id'] === undefined) {
    if (values.code === '') throw usageError('--code must not be empty')
    const token = values.token ?? ctx.env.B24_BOT_TOKEN?.trim()
    params = { code: values.code, ...(token ? { botToken: token } : {}) }
  } else {
    params = botIdentity(values, ctx.env)
  }
  if (typeof params.botToken === 'string') ctx.scrubber.add(params.botToken)
  const answer = await ctx.call<{ bot?: Record<string, unknown>; users?: unknown }>('imbot.v2.Bot.get', params, {
    idempotent: true,
  })
  const bot = answer.bot ?? {}
  const user = Array.isArray(answer.users) ? (answer.users[0] as Record<string, unknown> | undefined) : undefined
  const lines = SHOWN.filter((key) => bot[key] !== undefined).map((key) => `${key}: ${String(bot[key])}`)
  if (typeof user?.name === 'string') lines.splice(2, 0, `name: ${user.name}`)
  ctx.done(
    'info',
    { bot, ...(user ? { user } : {}) },
    lines.map((l) => ctx.scrubber.scrub(l)),
  )
}
