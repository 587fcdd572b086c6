/**
 * Shapes of the Bitrix24 bot events as the docs show them (JSON types; webhook mode turns every scalar into a string).
 * @see /work/shared/docs/bitrix24-imbot-v2.md §3 (v2) and §8 (v1)
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** The OAuth block Bitrix24 puts in `data.bot.auth` of a webhook-mode v2 event (all strings). */
export interface BotAuth {
  access_token: string
  expires: string
  expires_in: string
  scope: string
  domain: string
  server_endpoint: string
  status: string
  client_endpoint: string
  member_id: string
  user_id: string
  application_token: string
  /** Present when the app's grant has one (real events carry it; the docs' example abbreviates it away). */
  refresh_token?: string
}

/** The top-level `auth` of a v2 webhook: `application_token` here is the one to verify. */
export interface EnvelopeAuth {
  domain: string
  client_endpoint: string
  server_endpoint: string
  member_id: string
  application_token: string
}

/** The simplified bot object of webhook mode: `{id, code, auth}`. */
export interface WebhookBot {
  id: number
  code: string
  auth: BotAuth
}

/** The full bot object of fetch mode (`imbot.v2.Event.get`, `Bot.get`), without `auth`. */
export interface FullBot {
  id: number
  code: string
  type: string
  isHidden: boolean
  isSupportOpenline: boolean
  isReactionsEnabled: boolean
  backgroundId: string | null
  language: string
  moduleId: string
  eventMode: string
  countMessage: number
  countCommand: number
  countChat: number
  countUser: number
}

/** The Message entity inside events. */
export interface EventMessage {
  id: number
  chatId: number
  authorId: number
  date: string
  text: string
  isSystem: boolean
  uuid: string
  forward: JsonValue
  params: JsonValue
  viewedByOthers: boolean
}

/** The Chat entity inside events (no `role`/`muteList`). */
export interface EventChat {
  id: number
  dialogId: string
  type: string
  name: string
  entityType: string
  owner: number
  avatar: string
  color: string
}

/** The short chat object of `ONIMBOTV2JOINCHAT` and `ONIMBOTV2CONTEXTGET`. */
export interface ShortChat {
  id: number
  dialogId: string
  type: string
  name: string
}

/** The User entity inside events (the author, the adder, ...). */
export interface EventUser {
  id: number
  active: boolean
  name: string
  firstName: string
  lastName: string
  workPosition: string
  color: string
  avatar: string
  gender: string
  birthday: string
  extranet: boolean
  bot: boolean
  connector: boolean
  externalAuthId: string
  status: string
  idle: boolean
  lastActivityDate: string
  absent: boolean
  departments: number[]
  phones: JsonValue
  type: string
}

/** A v2 webhook envelope: `event`, `data`, `ts` and the top-level `auth`. */
export interface BotEvent<TEvent extends string, TData> {
  event: TEvent
  data: TData
  ts: number
  auth: EnvelopeAuth
}

/** `data` of `ONIMBOTV2MESSAGEADD` / `ONIMBOTV2MESSAGEUPDATE`. */
export interface MessageEventData {
  bot: WebhookBot
  message: EventMessage
  chat: EventChat
  user: EventUser
  language: string
}

/** `data` of `ONIMBOTV2MESSAGEDELETE`. */
export interface MessageDeleteData {
  bot: WebhookBot
  messageId: number
  chat: EventChat
  user: EventUser
  language: string
}

/** `data` of `ONIMBOTV2JOINCHAT`. */
export interface JoinChatData {
  bot: WebhookBot
  dialogId: string
  chat: ShortChat
  user: EventUser
  language: string
}

/** `data` of `ONIMBOTV2DELETE`. */
export interface BotDeleteData {
  bot: WebhookBot
}

/** The command object of `ONIMBOTV2COMMANDADD`. */
export interface EventCommand {
  id: number
  command: string
  params: string
  context: 'textarea' | 'keyboard' | 'menu'
}

/** `data` of `ONIMBOTV2COMMANDADD`. */
export interface CommandAddData {
  bot: WebhookBot
  command: EventCommand
  message: EventMessage
  chat: EventChat
  user: EventUser
  language: string
}

/** `data` of `ONIMBOTV2REACTIONCHANGE`. */
export interface ReactionChangeData {
  bot: WebhookBot
  reaction: string
  action: 'add' | 'delete'
  message: EventMessage
  chat: EventChat
  user: EventUser
  language: string
}

/** `data` of `ONIMBOTV2CONTEXTGET`. */
export interface ContextGetData {
  bot: WebhookBot
  dialogId: string
  context: string
  chat: ShortChat
  user: EventUser
  language: string
}

/** `ONIMBOTV2MESSAGEADD`: a user wrote to a chat the bot is in. */
export type MessageAddEvent = BotEvent<'ONIMBOTV2MESSAGEADD', MessageEventData>
/** `ONIMBOTV2MESSAGEUPDATE`: a message was edited. */
export type MessageUpdateEvent = BotEvent<'ONIMBOTV2MESSAGEUPDATE', MessageEventData>
/** `ONIMBOTV2MESSAGEDELETE`: a message was deleted. */
export type MessageDeleteEvent = BotEvent<'ONIMBOTV2MESSAGEDELETE', MessageDeleteData>
/** `ONIMBOTV2JOINCHAT`: the bot was added to a chat. */
export type JoinChatEvent = BotEvent<'ONIMBOTV2JOINCHAT', JoinChatData>
/** `ONIMBOTV2DELETE`: the bot was deleted. */
export type BotDeleteEvent = BotEvent<'ONIMBOTV2DELETE', BotDeleteData>
/** `ONIMBOTV2COMMANDADD`: a slash command was invoked. */
export type CommandAddEvent = BotEvent<'ONIMBOTV2COMMANDADD', CommandAddData>
/** `ONIMBOTV2REACTIONCHANGE`: a reaction on a bot message changed. */
export type ReactionChangeEvent = BotEvent<'ONIMBOTV2REACTIONCHANGE', ReactionChangeData>
/** `ONIMBOTV2CONTEXTGET`: a dialog was opened with `BOT_CONTEXT`. */
export type ContextGetEvent = BotEvent<'ONIMBOTV2CONTEXTGET', ContextGetData>

/** Any v2 bot event built by `events.ts`. */
export type AnyBotEvent =
  | MessageAddEvent
  | MessageUpdateEvent
  | MessageDeleteEvent
  | JoinChatEvent
  | BotDeleteEvent
  | CommandAddEvent
  | ReactionChangeEvent
  | ContextGetEvent

/** One entry of the legacy `data[BOT]` map (keyed by bot id): the bot's OAuth block plus `BOT_ID`/`BOT_CODE`. */
export interface V1BotEntry {
  access_token: string
  expires: string
  expires_in: string
  scope: string
  domain: string
  server_endpoint: string
  status: string
  client_endpoint: string
  member_id: string
  user_id: string
  application_token: string
  /** Since ~2023 (not in the docs' example, seen on real portals). */
  refresh_token?: string
  BOT_ID: string
  BOT_CODE: string
}

/** A `data[BOT]` entry of portals before ~2023: no access token, only the portal's ids and an `AUTH` copy of them. */
export interface V1LegacyBotEntry {
  domain: string
  member_id: string
  application_token: string
  AUTH: { domain: string; member_id: string; application_token: string }
  BOT_ID: string
  BOT_CODE: string
}

/** `data[PARAMS]` of the legacy `ONIMBOTMESSAGEADD` (all strings). */
export interface V1MessageParams {
  MESSAGE: string
  TEMPLATE_ID: string
  MESSAGE_TYPE: string
  FROM_USER_ID: string
  DIALOG_ID: string
  TO_CHAT_ID: string
  CHAT_ID?: string
  AUTHOR_ID: string
  SYSTEM: string
  TO_USER_ID?: string
  MESSAGE_ID: string
  CHAT_TYPE: string
  LANGUAGE: string
}

/** `data[USER]` of the legacy `ONIMBOTMESSAGEADD`. */
export interface V1User {
  ID: string
  NAME: string
  IS_BOT: string
}

/** The top-level `auth` of a legacy v1 event (application event: full OAuth set). */
export interface V1EnvelopeAuth {
  domain: string
  client_endpoint: string
  server_endpoint: string
  member_id: string
  application_token: string
  access_token: string
  user_id: string
  refresh_token: string
}

/** The legacy v1 `ONIMBOTMESSAGEADD` event; every scalar is a string, `data.BOT` is keyed by bot id. */
export interface V1MessageAddEvent {
  event: 'ONIMBOTMESSAGEADD'
  event_handler_id: string
  data: {
    BOT: Record<string, V1BotEntry | V1LegacyBotEntry>
    PARAMS: V1MessageParams
    USER: V1User
  }
  ts: string
  auth: V1EnvelopeAuth
}
