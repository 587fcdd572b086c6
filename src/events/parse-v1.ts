/**
 * Maps the legacy v1 `ONIMBOTMESSAGEADD` (bots registered with `imbot.register`) onto the v2 message model, so a
 * v1 message runs through the same pipeline and gets read. Other v1 events are left to `parseEvent`, which
 * acknowledges and ignores them as unknown.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/outdated/messages/events/on-imbot-message-add.html
 */
import { FieldErrors, type Fields, isDialogId, objectAt, optBool, optInt, optString, reqId } from './coerce.js'
import { type ParseResult, parseAuth } from './parse-event.js'
import type { MessageAddEvent } from './types.js'

/** The legacy event name this parser handles. */
export const V1_MESSAGE_ADD = 'ONIMBOTMESSAGEADD'

/**
 * v1 `CHAT_TYPE`/`MESSAGE_TYPE` letters and the v2 chat type names they correspond to. A Map, not a plain object:
 * the value comes from the request, and `constructor` or `__proto__` must not find Object.prototype's members.
 */
const CHAT_TYPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    P: 'private',
    C: 'chat',
    O: 'open',
    L: 'lines',
    S: 'system',
    N: 'channel',
    J: 'openChannel',
    T: 'thread',
    A: 'copilot',
    B: 'collab',
    X: 'external',
  }),
)

/**
 * Parses a v1 `ONIMBOTMESSAGEADD` body into a `MessageAddEvent`; undefined for any other body (the v2 parser
 * takes it). `data[BOT]` is keyed by bot id and may hold several bots: the first one in `botIds` is picked (or
 * the first one present, which intake then ignores as another bot's).
 */
export function parseV1Event(body: unknown, botIds: ReadonlySet<number> | undefined): ParseResult | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const root = body as Fields
  if (optString(root, 'event')?.toUpperCase() !== V1_MESSAGE_ADD) return undefined
  const data = objectAt(root, 'data')
  if (data === undefined) return invalid(['data is required and must be an object'])

  const errors = new FieldErrors()
  const bot = pickBot(objectAt(data, 'BOT'), botIds)
  if (bot === undefined) errors.add('data.BOT', 'must hold the bot keyed by its id')
  const params = objectAt(data, 'PARAMS')
  if (params === undefined) return invalid(['data.PARAMS is required and must be an object'])

  const dialogId = optString(params, 'DIALOG_ID') ?? ''
  if (dialogId === '') errors.add('data.PARAMS.DIALOG_ID', 'is required')
  else if (!isDialogId(dialogId)) errors.add('data.PARAMS.DIALOG_ID', 'must look like chat<id> or a user id')
  const messageId = reqId(params, 'MESSAGE_ID', 'data.PARAMS.MESSAGE_ID', errors)
  const chatId = int(params, 'CHAT_ID') ?? int(params, 'TO_CHAT_ID') ?? 0
  const authorId = int(params, 'AUTHOR_ID') ?? int(params, 'FROM_USER_ID') ?? 0
  const user = objectAt(data, 'USER')
  const chatType = optString(params, 'CHAT_TYPE') ?? optString(params, 'MESSAGE_TYPE') ?? ''
  const auth = objectAt(root, 'auth')
  if (errors.list.length > 0 || bot === undefined) return invalid(errors.list)

  const ts = int(root, 'ts')
  const event: MessageAddEvent = {
    type: 'ONIMBOTV2MESSAGEADD',
    bot: {
      id: bot.id,
      code: optString(bot.fields, 'BOT_CODE') ?? '',
      // The bot's OAuth tokens sit in the entry itself (and again under AUTH).
      auth: parseAuth(optString(bot.fields, 'access_token') ? bot.fields : objectAt(bot.fields, 'AUTH')),
      v1: true,
    },
    ts,
    portal: {
      domain: optString(auth, 'domain'),
      memberId: optString(auth, 'member_id'),
      applicationToken: optString(auth, 'application_token'),
    },
    message: {
      id: messageId,
      chatId,
      authorId,
      text: optString(params, 'MESSAGE') ?? '',
      isSystem: optBool(params, 'SYSTEM'),
      uuid: optString(params, 'TEMPLATE_ID') ?? '',
    },
    chat: { id: chatId, dialogId, type: CHAT_TYPES.get(chatType) ?? chatType },
    user: {
      id: int(user, 'ID') ?? authorId,
      isBot: optBool(user, 'IS_BOT'),
      name: optString(user, 'NAME') ?? '',
    },
    language: optString(params, 'LANGUAGE') ?? '',
  }
  return { ok: true, event }
}

function invalid(problems: readonly string[]): ParseResult {
  return { ok: false, code: 'INVALID_EVENT', problems }
}

/** A well-formed integer, or undefined (absent or malformed: v1 ids are informational here, except MESSAGE_ID). */
function int(fields: Fields | undefined, key: string): number | undefined {
  const n = optInt(fields, key)
  return n === undefined || Number.isNaN(n) ? undefined : n
}

/** The `data[BOT][<id>]` entry to use: the first configured bot present, else the first entry. */
function pickBot(
  bots: Fields | undefined,
  botIds: ReadonlySet<number> | undefined,
): { id: number; fields: Fields } | undefined {
  const entries: Array<{ id: number; fields: Fields }> = []
  for (const key of Object.keys(bots ?? {})) {
    const fields = objectAt(bots, key)
    if (fields !== undefined && /^[1-9]\d{0,15}$/.test(key)) entries.push({ id: Number(key), fields })
  }
  return entries.find((e) => botIds?.has(e.id)) ?? entries[0]
}
