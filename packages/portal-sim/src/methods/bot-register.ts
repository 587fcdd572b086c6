import { randomBytes } from 'node:crypto'
import { ownsBot } from '../bot-access.js'
import { botUser, fullBot } from '../bot-view.js'
import type { MethodHandler } from '../context.js'
import { objectParam, stringParam } from '../params.js'
import { fail } from '../rest-error.js'
import type { SimBot } from '../types.js'

const BOT_TYPES = ['bot', 'network', 'openline', 'supervisor', 'personal']
const MAX_BOTS_PER_OWNER = 100

/**
 * `imbot.v2.Bot.register {fields:{code, botToken, properties:{name}, type, eventMode, webhookUrl}}`.
 * The token goes in `fields` (a top-level `botToken` is tolerated). Idempotent: the same code from the same
 * owner returns the existing bot unchanged; from another owner it is BOT_CODE_ALREADY_TAKEN.
 * @see CB2/imbot.v2/bots/bot-register.md
 */
export const botRegister: MethodHandler = (ctx, params) => {
  const fields = objectParam(params.fields) ?? {}
  const botToken = stringParam(fields.botToken) ?? stringParam(params.botToken)
  if (ctx.auth.kind === 'webhook' && botToken === undefined) fail('BOT_TOKEN_NOT_SPECIFIED')
  if (botToken !== undefined && botToken.length > 40) fail('BOT_TOKEN_INVALID_LENGTH')
  const code = stringParam(fields.code) ?? fail('BOT_CODE_REQUIRED')
  const name = stringParam(objectParam(fields.properties)?.name) ?? fail('BOT_PROPERTIES_REQUIRED')
  const type = stringParam(fields.type) ?? 'bot'
  if (!BOT_TYPES.includes(type)) fail('BOT_INVALID_TYPE')
  const eventMode = stringParam(fields.eventMode) ?? 'fetch'
  if (eventMode !== 'fetch' && eventMode !== 'webhook') fail('BOT_INVALID_EVENT_MODE')
  const webhookUrl = stringParam(fields.webhookUrl)
  if (eventMode === 'webhook' && webhookUrl === undefined) fail('BOT_WEBHOOK_URL_REQUIRED')
  if (webhookUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(webhookUrl)) fail('BOT_INVALID_CALLBACK')

  const existing = ctx.world.findBotByCode(code)
  if (existing) {
    if (!ownsBot(ctx, existing, botToken)) fail('BOT_CODE_ALREADY_TAKEN')
    return { bot: fullBot(existing, ctx.world), users: [botUser(existing)] }
  }
  const clientId = ctx.auth.kind === 'oauth' ? ctx.auth.clientId : undefined
  const owned = [...ctx.world.bots.values()].filter((b) =>
    clientId ? b.clientId === clientId : b.botToken !== undefined && b.clientId === undefined,
  )
  if (owned.length >= MAX_BOTS_PER_OWNER) fail('BOT_LIMIT_EXCEEDED')
  const bot: SimBot = {
    id: ctx.world.allocateUserId(),
    code,
    botToken,
    clientId,
    eventMode,
    webhookUrl,
    type,
    name,
    workPosition: stringParam(objectParam(fields.properties)?.workPosition) ?? '',
    // An OAuth app's bot sends the app install's application_token; a webhook-auth bot a synthetic one of its own.
    applicationToken:
      (ctx.auth.kind === 'oauth' ? ctx.auth.applicationToken : undefined) ?? randomBytes(16).toString('hex'),
    accessToken: randomBytes(24).toString('hex'),
  }
  ctx.world.addBot(bot)
  return { bot: fullBot(bot, ctx.world), users: [botUser(bot)] }
}
