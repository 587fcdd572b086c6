/**
 * Where Bitrix24 delivers events to the service: the path the webhook route serves and the CLI registers.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.html
 */

/** The webhook path; with a secret, events are accepted only at `${EVENTS_PATH}/<secret>`. */
export const EVENTS_PATH = '/bitrix24/events'

/** The events URL to register: `<base>/bitrix24/events/<secret>` (`base` may already end in the events path). */
export function eventsUrl(base: string, secret: string): string {
  const trimmed = base.replace(/\/+$/, '')
  return trimmed.endsWith(EVENTS_PATH) ? `${trimmed}/${secret}` : `${trimmed}${EVENTS_PATH}/${secret}`
}
