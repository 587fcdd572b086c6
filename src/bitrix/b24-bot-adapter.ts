/**
 * The bot's own client for `im.dialog.read` in webhook mode: a `BitrixPort` over `B24OAuth` with the grant a v1
 * bot's events carry in `data[BOT][<id>]` (checked by `events/verify-bot-auth.ts`), so the method reads as the bot
 * and never as the incoming webhook's user. Until an event has brought the bot's tokens every call is refused with
 * `NO_BOT_TOKEN` (401, which pauses reads as a configuration problem: they stay stored and resume with the tokens).
 * Later events' newer tokens replace the held ones; expired tokens are refreshed only when the app's client
 * credentials are configured.
 * @see https://apidocs.bitrix24.com/api-reference/chats/messages/im-dialog-read.html
 */
import {
  createOAuthConnection,
  type OAuthAppOptions,
  type OAuthConnection,
  type UsableAuth,
} from './b24-oauth-adapter.js'
import type { BitrixPort } from './port.js'

/** The bot's port, and how to hand it the tokens of each accepted event. */
export interface BotConnection {
  readonly port: BitrixPort
  /** Starts using `grant`, or adopts it when it expires later than the held tokens. */
  adopt(grant: UsableAuth): void
}

const NO_TOKEN = {
  code: 'NO_BOT_TOKEN',
  status: 401,
  message: "no bot token yet: reads as the bot resume once a v1 event brings data[BOT][<id>]'s tokens",
} as const

/** The bot's client on the portal `portalHost` (the webhook's), told its tokens by `adopt`. */
export function createBotConnection(app: OAuthAppOptions, portalHost: string): BotConnection {
  let held: OAuthConnection | undefined
  return {
    port: {
      portal: portalHost,
      call: async (call) => (held ? held.port.call(call) : { ok: false, error: NO_TOKEN }),
      batch: async (calls) => (held ? held.port.batch(calls) : { ok: false, error: NO_TOKEN }),
    },
    adopt(grant) {
      if (held === undefined) held = createOAuthConnection(app, grant)
      else held.update(grant)
    },
  }
}
