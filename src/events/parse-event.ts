/**
 * Turns a decoded request body (form or JSON, still `unknown`) into a typed `BotEvent`, coercing the strings
 * explicitly. Authentication happens before this (see `verify.ts`); this only interprets.
 */
import { FieldErrors, type Fields, isDialogId, objectAt, optBool, optInt, optString, reqId } from './coerce.js'
import {
  type BotEvent,
  type BotRef,
  type ChatRef,
  EVENT_TYPES,
  type EventAuth,
  type EventType,
  type MessageRef,
  type UnknownEvent,
  type UserRef,
} from './types.js'

/** The outcome of parsing: a typed event, a well-formed event of an unknown name, or the problems found. */
export type ParseResult =
  | { readonly ok: true; readonly event: BotEvent | UnknownEvent }
  | { readonly ok: false; readonly code: 'INVALID_EVENT'; readonly problems: readonly string[] }

const EVENT_NAME = /^[A-Z0-9_]{1,64}$/

/** Parses an event envelope `{ event, data, ts, auth }`. */
export function parseEvent(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 'INVALID_EVENT', problems: ['the body must be an object with "event" and "data"'] }
  }
  const root = body as Fields
  const name = optString(root, 'event')?.toUpperCase()
  if (name === undefined || !EVENT_NAME.test(name)) {
    return {
      ok: false,
      code: 'INVALID_EVENT',
      problems: ['event is required and must be an event name such as ONIMBOTV2MESSAGEADD'],
    }
  }
  const data = objectAt(root, 'data')
  if (data === undefined)
    return { ok: false, code: 'INVALID_EVENT', problems: ['data is required and must be an object'] }
  const type = EVENT_TYPES.find((t) => t === name)
  if (type === undefined) return { ok: true, event: { type: 'unknown', name } }

  const errors = new FieldErrors()
  const event = parseKnown(type, root, data, errors)
  if (errors.list.length > 0) return { ok: false, code: 'INVALID_EVENT', problems: errors.list }
  return { ok: true, event }
}

/** Reads the fields common to every envelope and the ones of `type`. */
function parseKnown(type: EventType, root: Fields, data: Fields, errors: FieldErrors): BotEvent {
  const auth = objectAt(root, 'auth')
  const ts = optInt(root, 'ts')
  const eventId = optInt(root, 'eventId')
  const base = {
    bot: parseBot(objectAt(data, 'bot'), errors),
    ts: ts !== undefined && !Number.isNaN(ts) ? ts : undefined,
    portal: {
      domain: optString(auth, 'domain'),
      memberId: optString(auth, 'member_id'),
      applicationToken: optString(auth, 'application_token'),
    },
    ...(eventId !== undefined && !Number.isNaN(eventId) ? { eventId } : {}),
  }
  const language = optString(data, 'language') ?? ''
  switch (type) {
    case 'ONIMBOTV2MESSAGEADD':
    case 'ONIMBOTV2MESSAGEUPDATE': {
      const chat = parseChat(data, errors)
      return {
        ...base,
        type,
        message: parseMessage(objectAt(data, 'message'), 'data.message', errors),
        chat,
        user: parseUser(objectAt(data, 'user'), errors) ?? UNKNOWN_USER,
        language,
      }
    }
    case 'ONIMBOTV2MESSAGEDELETE':
      return {
        ...base,
        type,
        messageId: reqId(data, 'messageId', 'data.messageId', errors),
        chat: parseChat(data, errors),
        user: parseUser(objectAt(data, 'user'), errors),
      }
    case 'ONIMBOTV2JOINCHAT':
      return { ...base, type, chat: parseChat(data, errors), user: parseUser(objectAt(data, 'user'), errors) }
    case 'ONIMBOTV2DELETE':
      return { ...base, type }
    case 'ONIMBOTV2COMMANDADD': {
      const command = objectAt(data, 'command')
      return {
        ...base,
        type,
        command: {
          id: reqId(command, 'id', 'data.command.id', errors),
          command: optString(command, 'command') ?? '',
          params: optString(command, 'params') ?? '',
          context: optString(command, 'context') ?? '',
        },
        message: parseMessage(objectAt(data, 'message'), 'data.message', errors),
        chat: parseChat(data, errors),
        user: parseUser(objectAt(data, 'user'), errors) ?? UNKNOWN_USER,
      }
    }
    case 'ONIMBOTV2REACTIONCHANGE':
      return {
        ...base,
        type,
        reaction: optString(data, 'reaction') ?? '',
        action: optString(data, 'action') ?? '',
        message: parseMessage(objectAt(data, 'message'), 'data.message', errors),
        chat: parseChat(data, errors),
        user: parseUser(objectAt(data, 'user'), errors) ?? UNKNOWN_USER,
      }
    case 'ONIMBOTV2CONTEXTGET':
      return {
        ...base,
        type,
        context: optString(data, 'context') ?? '',
        chat: parseChat(data, errors),
        user: parseUser(objectAt(data, 'user'), errors),
      }
  }
}

const UNKNOWN_USER: UserRef = { id: 0, isBot: false, name: '' }

function parseBot(bot: Fields | undefined, errors: FieldErrors): BotRef {
  return {
    id: reqId(bot, 'id', 'data.bot.id', errors),
    code: optString(bot, 'code') ?? '',
    auth: parseAuth(objectAt(bot, 'auth')),
  }
}

/** Reads an OAuth `auth` block (`data.bot.auth` or v1 `data.BOT[id]`); undefined when it has no access token. */
export function parseAuth(auth: Fields | undefined): EventAuth | undefined {
  if (auth === undefined) return undefined
  const num = (key: string): number | undefined => {
    const n = optInt(auth, key)
    return n === undefined || Number.isNaN(n) ? undefined : n
  }
  return {
    accessToken: optString(auth, 'access_token'),
    refreshToken: optString(auth, 'refresh_token'),
    expires: num('expires'),
    clientEndpoint: optString(auth, 'client_endpoint'),
    serverEndpoint: optString(auth, 'server_endpoint'),
    memberId: optString(auth, 'member_id'),
    domain: optString(auth, 'domain'),
    userId: num('user_id'),
    scope: optString(auth, 'scope'),
    status: optString(auth, 'status'),
    applicationToken: optString(auth, 'application_token'),
  }
}

/** The chat: `data.chat` with `dialogId`, falling back to the top-level `data.dialogId` (JOINCHAT, CONTEXTGET). */
function parseChat(data: Fields, errors: FieldErrors): ChatRef {
  const chat = objectAt(data, 'chat')
  const dialogId = optString(chat, 'dialogId') ?? optString(data, 'dialogId')
  if (dialogId === undefined || dialogId === '') errors.add('data.chat.dialogId', 'is required')
  else if (!isDialogId(dialogId)) errors.add('data.chat.dialogId', 'must look like chat<id> or a user id')
  const id = optInt(chat, 'id')
  if (id !== undefined && Number.isNaN(id)) errors.add('data.chat.id', 'must be a non-negative integer')
  return { id: id ?? 0, dialogId: dialogId ?? '', type: optString(chat, 'type') ?? '' }
}

function parseMessage(message: Fields | undefined, path: string, errors: FieldErrors): MessageRef {
  const chatId = optInt(message, 'chatId')
  const authorId = optInt(message, 'authorId')
  if (chatId !== undefined && Number.isNaN(chatId)) errors.add(`${path}.chatId`, 'must be a non-negative integer')
  if (authorId !== undefined && Number.isNaN(authorId)) errors.add(`${path}.authorId`, 'must be a non-negative integer')
  return {
    id: reqId(message, 'id', `${path}.id`, errors),
    chatId: chatId ?? 0,
    authorId: authorId ?? 0,
    text: optString(message, 'text') ?? '',
    isSystem: optBool(message, 'isSystem'),
    uuid: optString(message, 'uuid') ?? '',
  }
}

/** The user, when present; a present but malformed id is an error (system messages may come without one). */
function parseUser(user: Fields | undefined, errors: FieldErrors): UserRef | undefined {
  if (user === undefined) return undefined
  const id = optInt(user, 'id')
  if (id !== undefined && Number.isNaN(id)) errors.add('data.user.id', 'must be a non-negative integer')
  return {
    id: id !== undefined && !Number.isNaN(id) ? id : 0,
    isBot: optBool(user, 'bot'),
    name: optString(user, 'name') ?? '',
  }
}
