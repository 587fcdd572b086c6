/**
 * `ctx.api` for handlers: a REST call as the bot, sent to the event's own portal through its gate (so it shares the
 * rate limit with the reads) and never retried (a handler's call may not be idempotent).
 */
import { BotApiError } from '../bitrix/rest-call-error.js'
import type { BotEvent } from '../events/types.js'
import { gatedCall } from '../reads/gated-call.js'
import type { PortalEntry } from '../reads/portal-registry.js'
import type { BotApiCall } from './context.js'

/** The API of one event's handlers, given its portal (undefined: no portal client, e.g. OAuth without tokens yet). */
export type BotApiOf = (entry: PortalEntry | undefined) => (event: BotEvent) => BotApiCall

/** Builds `ctx.api`: `botId` (and `botToken` with webhook auth; undefined for OAuth apps) are added to the params. */
export function botApi(botToken: string | undefined): BotApiOf {
  const auth = botToken === undefined ? {} : { botToken }
  return (entry) =>
    (event) =>
    async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
      if (entry === undefined) throw new BotApiError(method, { code: 'NO_PORTAL_AUTH', status: 0 })
      const outcome = await gatedCall<T>(
        entry.gate,
        entry.port,
        { method, params: { botId: event.bot.id, ...auth, ...params } },
        { idempotent: false },
      )
      if (outcome.ok) return outcome.result
      throw new BotApiError(method, outcome.error)
    }
}
