/**
 * The Bitrix24 bot event model: a discriminated union on `type`, with ids already coerced from the strings
 * that webhook mode sends. Field names follow the imbot.v2 events page linked below.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.html
 */

/** The event names this service models. */
export const EVENT_TYPES = [
  'ONIMBOTV2MESSAGEADD',
  'ONIMBOTV2MESSAGEUPDATE',
  'ONIMBOTV2MESSAGEDELETE',
  'ONIMBOTV2JOINCHAT',
  'ONIMBOTV2DELETE',
  'ONIMBOTV2COMMANDADD',
  'ONIMBOTV2REACTIONCHANGE',
  'ONIMBOTV2CONTEXTGET',
] as const

/** One of the modelled event names. */
export type EventType = (typeof EVENT_TYPES)[number]

/** OAuth credentials an event carries for calling back (OAuth apps); never logged. */
export interface EventAuth {
  readonly accessToken: string | undefined
  readonly refreshToken: string | undefined
  readonly expires: number | undefined
  readonly clientEndpoint: string | undefined
  readonly serverEndpoint: string | undefined
  readonly memberId: string | undefined
  readonly domain: string | undefined
  readonly userId: number | undefined
  readonly scope: string | undefined
  readonly status: string | undefined
  readonly applicationToken: string | undefined
}

/** The bot the event is for. */
export interface BotRef {
  readonly id: number
  readonly code: string
  /** `data.bot.auth`: tokens for callbacks, present in webhook mode for OAuth apps. */
  readonly auth: EventAuth | undefined
  /** A v1 (`imbot.register`) bot's event: `auth` is then `data[BOT][<id>]`, a grant acting as the bot itself. */
  readonly v1?: true
}

/** The chat of the event. `dialogId` is `chat<id>` for groups and the counterpart user id for 1:1 chats. */
export interface ChatRef {
  readonly id: number
  readonly dialogId: string
  readonly type: string
}

/** A chat message. */
export interface MessageRef {
  readonly id: number
  readonly chatId: number
  readonly authorId: number
  readonly text: string
  readonly isSystem: boolean
  readonly uuid: string
}

/** The user behind the event (author, adder, reactor). */
export interface UserRef {
  readonly id: number
  readonly isBot: boolean
  readonly name: string
}

interface EventBase {
  readonly bot: BotRef
  /** Unix seconds the portal stamped, when present. */
  readonly ts: number | undefined
  /** `auth.domain` and `auth.member_id` of the envelope: which portal sent it. */
  readonly portal: {
    readonly domain: string | undefined
    readonly memberId: string | undefined
    /** The top-level `auth.application_token` (the one to verify, per the imbot.v2 docs). */
    readonly applicationToken?: string | undefined
  }
  /** Fetch mode only: the event's queue id. */
  readonly eventId?: number
}

/** A user wrote to the bot (1:1 chats, or a mention in a group for type `bot`). */
export interface MessageAddEvent extends EventBase {
  readonly type: 'ONIMBOTV2MESSAGEADD'
  readonly message: MessageRef
  readonly chat: ChatRef
  readonly user: UserRef
  readonly language: string
}

/** A message was edited. */
export interface MessageUpdateEvent extends EventBase {
  readonly type: 'ONIMBOTV2MESSAGEUPDATE'
  readonly message: MessageRef
  readonly chat: ChatRef
  readonly user: UserRef
  readonly language: string
}

/** A message was deleted. */
export interface MessageDeleteEvent extends EventBase {
  readonly type: 'ONIMBOTV2MESSAGEDELETE'
  readonly messageId: number
  readonly chat: ChatRef
  readonly user: UserRef | undefined
}

/** The bot was added to a chat. */
export interface JoinChatEvent extends EventBase {
  readonly type: 'ONIMBOTV2JOINCHAT'
  readonly chat: ChatRef
  readonly user: UserRef | undefined
}

/** The bot was deleted; the last event it receives. */
export interface BotDeleteEvent extends EventBase {
  readonly type: 'ONIMBOTV2DELETE'
}

/** A slash command of the bot was used. */
export interface CommandAddEvent extends EventBase {
  readonly type: 'ONIMBOTV2COMMANDADD'
  readonly command: { readonly id: number; readonly command: string; readonly params: string; readonly context: string }
  readonly message: MessageRef
  readonly chat: ChatRef
  readonly user: UserRef
}

/** A reaction on the bot's message was added or removed. */
export interface ReactionChangeEvent extends EventBase {
  readonly type: 'ONIMBOTV2REACTIONCHANGE'
  readonly reaction: string
  readonly action: string
  readonly message: MessageRef
  readonly chat: ChatRef
  readonly user: UserRef
}

/** A dialog with the bot was opened with a context. */
export interface ContextGetEvent extends EventBase {
  readonly type: 'ONIMBOTV2CONTEXTGET'
  readonly context: string
  readonly chat: ChatRef
  readonly user: UserRef | undefined
}

/** Every modelled bot event. */
export type BotEvent =
  | MessageAddEvent
  | MessageUpdateEvent
  | MessageDeleteEvent
  | JoinChatEvent
  | BotDeleteEvent
  | CommandAddEvent
  | ReactionChangeEvent
  | ContextGetEvent

/** A well-formed event whose name this service does not model: acknowledged and ignored. */
export interface UnknownEvent {
  readonly type: 'unknown'
  readonly name: string
}

/** Narrows to events that carry a chat. */
export function hasChat(e: BotEvent): e is Exclude<BotEvent, BotDeleteEvent> {
  return e.type !== 'ONIMBOTV2DELETE'
}
