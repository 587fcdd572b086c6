/**
 * The app's own events in OAuth mode. `ONAPPINSTALL` (tokens in `auth`, `data` only `{VERSION, LANGUAGE_ID}`): the
 * portal is attributed by the OAuth server's answer, its record stored with the install's `application_token`,
 * and the bot registered there with `imbot.v2.Bot.register` (idempotent per code); a redelivery (same token)
 * changes nothing. `ONAPPUNINSTALL`, checked against the stored token, forgets the portal and all its state.
 * @see https://apidocs.bitrix24.com/api-reference/common/events/on-app-install.html
 */
import type { Logger } from 'pino'
import { objectAt, optString } from '../events/coerce.js'
import { parseAuth } from '../events/parse-event.js'
import type { BotRegistrations, RegisterAttempt } from './bot-registrations.js'
import type { OAuthTenants } from './oauth-tenants.js'

/** The bot every install registers (from configuration). */
export interface InstallBot {
  readonly code: string
  readonly name: string
  /** The public events URL (with the secret path); undefined: the bot is not registered by the service. */
  readonly webhookUrl: string | undefined
}

/** What became of an app event. */
export type AppEventOutcome = { readonly outcome: 'accepted' } | { readonly outcome: 'duplicate' }

/** Handles an app event body; undefined when the body is not `ONAPPINSTALL` / `ONAPPUNINSTALL`. */
export type AppEventHandler = (body: unknown) => Promise<AppEventOutcome> | undefined

/**
 * Builds the app event handler over the OAuth portals. A failed registration leaves the install in place and is
 * retried by `registrations` (at once when the install is delivered again); the install still answers 200, since
 * Bitrix24 would only deliver the same install again.
 */
export function appLifecycle(
  tenants: Pick<OAuthTenants, 'attribute' | 'forget' | 'current'>,
  bot: InstallBot,
  log: Logger,
  registrations: BotRegistrations,
): AppEventHandler {
  const install = async (auth: ReturnType<typeof parseAuth>): Promise<AppEventOutcome> => {
    const { entry, fresh } = await tenants.attribute(auth?.memberId, auth?.applicationToken, auth?.refreshToken)
    if (!fresh) {
      registrations.retryNow(entry.key)
      return { outcome: 'duplicate' }
    }
    if (bot.webhookUrl === undefined) {
      log.warn(
        { portal: entry.key },
        'app installed; B24_PUBLIC_URL is unset, so register the bot on the portal yourself',
      )
      return { outcome: 'accepted' }
    }
    await registrations.register(entry.key, registerAttempt(tenants, { ...bot, webhookUrl: bot.webhookUrl }, entry.key))
    return { outcome: 'accepted' }
  }

  return (body) => {
    if (typeof body !== 'object' || body === null) return undefined
    const fields: Record<string, unknown> = { ...body }
    const name = optString(fields, 'event')?.toUpperCase()
    if (name !== 'ONAPPINSTALL' && name !== 'ONAPPUNINSTALL') return undefined
    const auth = parseAuth(objectAt(fields, 'auth'))
    if (name === 'ONAPPINSTALL') return install(auth)
    const memberId = auth?.memberId ?? ''
    return tenants.forget(memberId, auth?.applicationToken).then((forgotten): AppEventOutcome => {
      if (forgotten) registrations.forget(memberId)
      return { outcome: forgotten ? 'accepted' : 'duplicate' }
    })
  }
}

/**
 * Resumes the registrations that were still pending, by their stored records, when the service last stopped (on
 * any replica of a shared store); nothing when the service does not register bots (`B24_PUBLIC_URL` unset).
 */
export function resumeRegistrations(
  tenants: Pick<OAuthTenants, 'current' | 'unregisteredBots'>,
  bot: InstallBot,
  registrations: BotRegistrations,
): void {
  const { webhookUrl } = bot
  if (webhookUrl === undefined) return
  for (const { memberId, code } of tenants.unregisteredBots()) {
    registrations.resume(memberId, code, registerAttempt(tenants, { ...bot, webhookUrl }, memberId))
  }
}

/**
 * One `imbot.v2.Bot.register` attempt on `memberId` with its current client (it may have been evicted from memory
 * and reloaded meanwhile); undefined when the portal is no longer installed.
 */
function registerAttempt(
  tenants: Pick<OAuthTenants, 'current'>,
  bot: InstallBot & { readonly webhookUrl: string },
  memberId: string,
): RegisterAttempt {
  const fields = {
    code: bot.code,
    type: 'bot',
    eventMode: 'webhook',
    webhookUrl: bot.webhookUrl,
    properties: { name: bot.name },
  }
  const call = { method: 'imbot.v2.Bot.register', params: { fields } }
  return async () => (await tenants.current(memberId))?.port.call(call)
}
