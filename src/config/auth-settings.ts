/**
 * The settings of how REST calls are authorised: one incoming webhook (URL and botToken), or an OAuth app on many
 * portals (client id and secret, the token key, the refresh server). Checks that the mode's settings are all there
 * and that nothing of the other mode is set by mistake.
 */
import { parseTokenKey } from '../tenants/token-box.js'
import {
  AUTH_MODES,
  type AuthMode,
  DEFAULT_OAUTH_SERVER_ENDPOINT,
  type EventMode,
  type ReadMethodName,
} from './choices.js'
import type { EnvReader } from './env-reader.js'
import { checkWebhookUrl } from './webhook-url.js'

/** The auth settings read from the environment (validated; problems pushed to the caller's list). */
export interface AuthSettings {
  readonly authMode: AuthMode
  readonly oauth: boolean
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
  readonly webhookUrl: string | undefined
  readonly oauthServerEndpoint: string
  readonly tokenKey: string | undefined
  readonly publicUrl: string | undefined
}

/** Reads and checks the auth settings for the event mode and read method already chosen. */
export function readAuth(
  { str, oneOf }: Pick<EnvReader, 'str' | 'oneOf'>,
  problems: string[],
  eventMode: EventMode,
  readMethod: ReadMethodName,
): AuthSettings {
  const clientId = str('B24_CLIENT_ID')
  const clientSecret = str('B24_CLIENT_SECRET')
  const webhookUrl = str('B24_WEBHOOK_URL')
  // OAuth is implied when the app's credentials are given without an incoming-webhook URL.
  const impliedAuth: AuthMode = webhookUrl === undefined && clientId !== undefined ? 'oauth' : 'webhook'
  const authMode = oneOf('B24_AUTH_MODE', AUTH_MODES, impliedAuth)
  const oauth = authMode === 'oauth'
  const oauthServerEndpoint = str('B24_OAUTH_SERVER_ENDPOINT') ?? DEFAULT_OAUTH_SERVER_ENDPOINT
  const tokenKey = str('B24_TOKEN_KEY')
  const publicUrl = str('B24_PUBLIC_URL')
  if (oauth && readMethod === 'im.dialog.read') {
    problems.push(
      "B24_READ_METHOD=im.dialog.read cannot be used with B24_AUTH_MODE=oauth: it reads as the app's installing user, not the bot, and would mark that person's conversations; use imbot.v2.Chat.Message.read",
    )
  }
  if (!oauth && eventMode === 'fetch' && readMethod === 'im.dialog.read') {
    problems.push(
      "B24_READ_METHOD=im.dialog.read needs B24_EVENT_MODE=webhook: it reads as the bot only with the bot's own tokens, which v1 bots' webhook events carry in data[BOT][<id>], and fetch mode brings none (the incoming webhook's user would mark a person's conversations); use imbot.v2.Chat.Message.read",
    )
  }
  if (oauth && str('B24_APPLICATION_TOKEN') !== undefined) {
    problems.push('B24_APPLICATION_TOKEN is not used with B24_AUTH_MODE=oauth (each install has its own): unset it')
  }
  if (publicUrl !== undefined && !/^https:\/\/[^/\s]+/.test(publicUrl)) {
    problems.push('B24_PUBLIC_URL must be the https:// base URL where Bitrix24 reaches this service')
  }
  if (oauth) {
    if (clientId === undefined) problems.push("B24_CLIENT_ID is required with B24_AUTH_MODE=oauth: the app's client_id")
    if (clientSecret === undefined) {
      problems.push("B24_CLIENT_SECRET is required with B24_AUTH_MODE=oauth: the app's client_secret")
    }
    if (eventMode === 'fetch') {
      problems.push('B24_EVENT_MODE=fetch needs B24_AUTH_MODE=webhook: OAuth tokens arrive with webhook events')
    }
    if (tokenKey === undefined || parseTokenKey(tokenKey) === undefined) {
      problems.push(
        'B24_TOKEN_KEY is required with B24_AUTH_MODE=oauth: 32 random bytes as 64 hex digits (openssl rand -hex 32)',
      )
    }
    if (!/^https:\/\/[^/\s]+/.test(oauthServerEndpoint)) {
      problems.push('B24_OAUTH_SERVER_ENDPOINT must be an https:// URL such as https://oauth.bitrix.info/rest/')
    }
  } else if (webhookUrl === undefined) {
    problems.push('B24_WEBHOOK_URL is required: the incoming webhook URL https://<portal>/rest/<userId>/<secret>/')
  } else {
    const reason = checkWebhookUrl(webhookUrl)
    if (reason) problems.push(`B24_WEBHOOK_URL ${reason}`)
  }
  return { authMode, oauth, clientId, clientSecret, webhookUrl, oauthServerEndpoint, tokenKey, publicUrl }
}
