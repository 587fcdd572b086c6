import { randomBytes } from 'node:crypto'
import type { V1MessageAddEvent } from './events/event-types.js'
import { v1MessageAddEvent } from './events/events.js'
import type { OAuthTokens } from './oauth-tokens.js'
import { type ActionDeps, type UserSendsSpec, userSends } from './user-actions.js'

/** A user writes to a v1 bot (`imbot.register`); `legacy` leaves the bot's tokens out, as portals before ~2023 did. */
export interface V1UserSendsSpec extends UserSendsSpec {
  readonly legacy?: boolean
}

/** The message created and the legacy `ONIMBOTMESSAGEADD` about it, with the bot's tokens in `data[BOT][<id>]`. */
export interface V1UserSendsResult {
  messageId: number
  chatId: number
  dialogId: string
  event: V1MessageAddEvent
  /** The bot's access token the event carries (a grant of this portal acting as the bot); undefined when `legacy`. */
  botAccessToken: string | undefined
}

/**
 * A user posts a message to a v1 bot. Since ~2023 `data[BOT][<id>]` carries an OAuth grant that acts as the bot
 * itself (its user id is the bot's), so `im.dialog.read` called with it marks the bot's read; this issues one.
 * @see /work/shared/docs/bitrix24-imbot-v2.md §8
 */
/** `nowS` is the portal's clock: the grant expires an hour after it. */
export function v1UserSends(
  deps: ActionDeps,
  tokens: OAuthTokens,
  spec: V1UserSendsSpec,
  nowS: number,
): V1UserSendsResult {
  const sent = userSends(deps, spec)
  const bot = deps.world.bots.get(spec.botId)
  if (!bot) throw new Error(`portal: no bot ${spec.botId}`)
  const v2 = sent.event.data
  const grant = spec.legacy
    ? undefined
    : tokens.add(
        {
          accessToken: randomBytes(24).toString('hex'),
          refreshToken: randomBytes(16).toString('hex'),
          clientId: bot.clientId ?? 'v1-app',
          expiresAt: nowS + 3600,
          userId: bot.id,
          applicationToken: bot.applicationToken,
        },
        deps.env.memberId,
        `${deps.env.url}/rest/`,
      )
  const event = v1MessageAddEvent({
    botId: bot.id,
    botCode: bot.code,
    dialogId: sent.dialogId,
    chatId: sent.chatId,
    messageId: sent.messageId,
    authorId: v2.message.authorId,
    text: v2.message.text,
    applicationToken: bot.applicationToken,
    domain: deps.env.domain,
    memberId: deps.env.memberId,
    ts: nowS,
    legacyBot: spec.legacy === true,
    ...(grant ? { accessToken: grant.accessToken, bot: { refresh_token: grant.refreshToken } } : {}),
  })
  return {
    messageId: sent.messageId,
    chatId: sent.chatId,
    dialogId: sent.dialogId,
    event,
    botAccessToken: grant?.accessToken,
  }
}
