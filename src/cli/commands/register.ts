/**
 * `b24-autoread register`: `imbot.v2.Bot.register` with `fields.botToken`, then the `B24_*` lines for the service.
 * The same code with the same token returns the existing bot unchanged (the method is idempotent per code).
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.html
 */
import { randomBytes } from 'node:crypto'
import { eventsUrl } from '../../events/events-path.js'
import { parseCommandArgs } from '../args.js'
import type { CliContext } from '../context.js'
import { CliFailure, usageError } from '../io.js'

/** What `Bot.register` and `Bot.get` return. */
interface BotAnswer {
  readonly bot?: {
    readonly id?: unknown
    readonly code?: unknown
    readonly type?: unknown
    readonly eventMode?: unknown
  }
}

export { eventsUrl }

/** A random botToken of 40 characters (the portal's maximum), from node:crypto. */
export function generateBotToken(): string {
  return randomBytes(30).toString('base64url')
}

/** A random secret path segment for `B24_EVENTS_SECRET` (32 characters of A-Z, a-z, 0-9, `-`, `_`). */
export function generateEventsSecret(): string {
  return randomBytes(24).toString('base64url')
}

/** Registers the bot and prints the environment lines. */
export async function register(args: readonly string[], ctx: CliContext): Promise<void> {
  const values = parseCommandArgs(args, {
    code: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    mode: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
  })
  if (values.code === undefined || values.code === '') throw usageError('--code <code> is required')
  if (values.name === undefined || values.name === '') throw usageError('--name <name> is required')
  const type = values.type ?? 'bot'
  const mode = values.mode ?? (values.url !== undefined ? 'webhook' : 'fetch')
  if (mode !== 'fetch' && mode !== 'webhook') throw usageError(`--mode must be fetch or webhook (got "${mode}")`)
  if (mode === 'fetch' && values.url !== undefined) throw usageError('--url is only for --mode webhook')
  if (mode === 'webhook' && values.url === undefined) throw usageError('--mode webhook needs --url <public base URL>')
  if (values.url !== undefined && !URL.canParse(values.url)) throw usageError('--url must be an absolute URL')

  const botToken = values.token ?? nonEmpty(ctx.env.B24_BOT_TOKEN) ?? generateBotToken()
  ctx.scrubber.add(botToken)
  const givenSecret = nonEmpty(ctx.env.B24_EVENTS_SECRET)
  const secret = mode === 'webhook' ? (givenSecret ?? generateEventsSecret()) : undefined
  ctx.scrubber.add(secret)
  const webhookUrl = values.url !== undefined && secret !== undefined ? eventsUrl(values.url, secret) : undefined

  const existing = await findByCode(ctx, values.code, botToken)
  const answer = await ctx.call<BotAnswer>(
    'imbot.v2.Bot.register',
    {
      fields: {
        code: values.code,
        botToken,
        type,
        eventMode: mode,
        ...(webhookUrl !== undefined ? { webhookUrl } : {}),
        properties: { name: values.name },
      },
    },
    { idempotent: true },
  )
  const botId = Number(answer.bot?.id)
  if (!Number.isSafeInteger(botId) || botId <= 0) {
    throw new CliFailure(1, 'ERROR_UNEXPECTED_ANSWER', 'the portal answered without a bot id')
  }
  const eventMode = typeof answer.bot?.eventMode === 'string' ? answer.bot.eventMode : mode
  const botType = typeof answer.bot?.type === 'string' ? answer.bot.type : type

  // An existing bot keeps its events URL: a newly generated secret would not match it, so only a given one is shown.
  const showSecret = eventMode === 'webhook' && secret !== undefined && (!existing || givenSecret !== undefined)
  const env: Record<string, string> = {
    B24_BOT_ID: String(botId),
    B24_BOT_TOKEN: botToken,
    B24_EVENT_MODE: eventMode,
    ...(showSecret ? { B24_EVENTS_SECRET: secret } : {}),
  }
  const shownUrl =
    webhookUrl !== undefined && values.url !== undefined ? eventsUrl(values.url, '<B24_EVENTS_SECRET>') : undefined
  const lines = [
    existing
      ? `Bot ${botId} (code ${values.code}) is already registered with this token; nothing was changed.`
      : `Registered bot ${botId} (code ${values.code}, type ${botType}, event mode ${eventMode}).`,
    ...(shownUrl !== undefined && !existing ? [`Bitrix24 will post its events to ${shownUrl}`] : []),
    ...(existing && eventMode === 'webhook' && !showSecret
      ? ['Keep B24_EVENTS_SECRET from the first registration: the bot still posts to the URL registered then.']
      : []),
    ...(existing && eventMode !== mode ? [`Note: the bot's event mode is ${eventMode}, not ${mode}.`] : []),
    "Put these lines in the service's environment:",
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
  ]
  ctx.done(
    'register',
    {
      existing,
      bot: { id: botId, code: values.code, type: botType, eventMode },
      ...(shownUrl !== undefined ? { webhookUrl: shownUrl } : {}),
      env,
    },
    lines,
  )
}

/** Whether a bot with `code` exists (`Bot.get` by code); false when the portal says BOT_NOT_FOUND. */
async function findByCode(ctx: CliContext, code: string, botToken: string): Promise<boolean> {
  try {
    await ctx.call<BotAnswer>('imbot.v2.Bot.get', { code, botToken }, { idempotent: true })
    return true
  } catch (err) {
    if (err instanceof CliFailure && err.code === 'BOT_NOT_FOUND') return false
    throw err
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}
