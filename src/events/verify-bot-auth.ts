/**
 * The bot's own tokens for `im.dialog.read`. That method acts as the calling user, so it reads as the bot only with
 * the grant a v1 (`imbot.register`) bot's events carry in `data[BOT][<id>]` (portals since ~2023). This check takes
 * those tokens only from a v1 event, only when they name the configured portal (the `client_endpoint` host of
 * `B24_WEBHOOK_URL`) and, when `B24_APPLICATION_TOKEN` is set, the same install; anything else is refused, never
 * replaced by the incoming webhook's user.
 * @see https://apidocs.bitrix24.com/api-reference/chats/messages/im-dialog-read.html
 */
import { HttpError } from '../errors.js'
import type { BotEvent, EventAuth } from './types.js'
import { safeEqual } from './verify.js'

/** The bot's grant as taken from an event; `clientEndpoint` is the configured portal's, never the body's. */
export type BotGrant = EventAuth & { readonly accessToken: string; readonly clientEndpoint: string }

/** What the bot's tokens are checked against (the configuration). */
export interface BotAuthCheck {
  /** Host (with port) of `B24_WEBHOOK_URL`: the only portal the bot's tokens may be sent to. */
  readonly portalHost: string
  /** `B24_APPLICATION_TOKEN`, when set: the bot entry's `application_token` must match it too. */
  readonly applicationToken: string | undefined
}

/** Host of a URL, or undefined when it is not an https URL (a malformed endpoint is refused, never thrown on). */
function hostOf(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined
  const parsed = new URL(url)
  return parsed.protocol === 'https:' ? parsed.host : undefined
}

/**
 * The bot's grant of `event`, for reading as the bot; rejects with `NO_BOT_TOKEN` (422) when the event carries
 * none, `BOT_ENDPOINT_MISMATCH` (403) when it names another portal or install.
 */
export function botGrantOf(event: BotEvent, check: BotAuthCheck): BotGrant {
  const auth = event.bot.auth
  const accessToken = auth?.accessToken
  if (event.bot.v1 !== true || auth === undefined || accessToken === undefined || accessToken === '') {
    throw new HttpError('NO_BOT_TOKEN', { context: { botId: event.bot.id } })
  }
  if (hostOf(auth.clientEndpoint) !== check.portalHost) {
    throw new HttpError('BOT_ENDPOINT_MISMATCH', { context: { botId: event.bot.id } })
  }
  const expected = check.applicationToken
  if (expected !== undefined && !safeEqual(auth.applicationToken ?? '', expected)) {
    throw new HttpError('BOT_ENDPOINT_MISMATCH', { context: { botId: event.bot.id } })
  }
  return { ...auth, accessToken, clientEndpoint: `https://${check.portalHost}/rest/` }
}
