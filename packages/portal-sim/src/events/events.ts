import {
  bitrixDate,
  type ChatOptions,
  DOC_APPLICATION_TOKEN,
  DOC_BOT_ACCESS_TOKEN,
  DOC_DOMAIN,
  DOC_MEMBER_ID,
  DOC_SERVER_ENDPOINT,
  dialogFacts,
  type EnvelopeOptions,
  envelopeAuth,
  eventChat,
  eventMessage,
  eventUser,
  type MessageOptions,
  shortChat,
  type UserOptions,
  unixNow,
  webhookBot,
} from './event-parts.js'
import type {
  BotDeleteEvent,
  CommandAddEvent,
  ContextGetEvent,
  EventCommand,
  JoinChatEvent,
  MessageAddEvent,
  MessageDeleteEvent,
  MessageEventData,
  MessageUpdateEvent,
  ReactionChangeEvent,
  V1BotEntry,
  V1EnvelopeAuth,
  V1LegacyBotEntry,
  V1MessageAddEvent,
  V1MessageParams,
  V1User,
} from './event-types.js'

export type { ChatOptions, EnvelopeOptions, MessageOptions, UserOptions } from './event-parts.js'

/** Options of the message events: envelope, dialog, author and message overrides. */
export type MessageEventOptions = EnvelopeOptions & ChatOptions & UserOptions & MessageOptions

/** Options of `ONIMBOTV2JOINCHAT` / `ONIMBOTV2CONTEXTGET`: the user is the one who added the bot / opened the dialog. */
export type DialogEventOptions = EnvelopeOptions & ChatOptions & UserOptions

/** Options of `ONIMBOTV2COMMANDADD`. */
export type CommandAddOptions = MessageEventOptions & {
  commandId?: number
  command?: string
  commandParams?: string
  commandContext?: EventCommand['context']
}

/** Options of `ONIMBOTV2REACTIONCHANGE`. */
export type ReactionChangeOptions = MessageEventOptions & { reaction?: string; action?: 'add' | 'delete' }

/** Options of `ONIMBOTV2CONTEXTGET`. */
export type ContextGetOptions = DialogEventOptions & { context?: string }

function messageData(options: MessageEventOptions): MessageEventData {
  const facts = dialogFacts(options)
  const date = options.date ?? bitrixDate()
  return {
    bot: webhookBot(options, facts.authorId),
    message: eventMessage(options, facts, date),
    chat: eventChat(options, facts),
    user: eventUser(options, facts, date),
    language: options.language ?? 'en',
  }
}

/** Builds an `ONIMBOTV2MESSAGEADD` webhook body, shaped like `fixtures/v2-message-add-*.json`. */
export function messageAddEvent(options: MessageEventOptions = {}): MessageAddEvent {
  return {
    event: 'ONIMBOTV2MESSAGEADD',
    data: messageData(options),
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2MESSAGEUPDATE` webhook body (same data shape as MESSAGEADD). */
export function messageUpdateEvent(options: MessageEventOptions = {}): MessageUpdateEvent {
  return {
    event: 'ONIMBOTV2MESSAGEUPDATE',
    data: messageData(options),
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2MESSAGEDELETE` webhook body: `{bot, messageId, chat, user, language}`. */
export function messageDeleteEvent(options: MessageEventOptions = {}): MessageDeleteEvent {
  const facts = dialogFacts(options)
  const date = options.date ?? bitrixDate()
  return {
    event: 'ONIMBOTV2MESSAGEDELETE',
    data: {
      bot: webhookBot(options, facts.authorId),
      messageId: options.messageId ?? 789,
      chat: eventChat(options, facts),
      user: eventUser(options, facts, date),
      language: options.language ?? 'en',
    },
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2JOINCHAT` webhook body, shaped like `fixtures/v2-join-chat.json`. */
export function joinChatEvent(options: DialogEventOptions = {}): JoinChatEvent {
  const facts = dialogFacts(options)
  return {
    event: 'ONIMBOTV2JOINCHAT',
    data: {
      bot: webhookBot(options, facts.authorId),
      dialogId: facts.dialogId,
      chat: shortChat(options, facts),
      user: eventUser(options, facts, bitrixDate()),
      language: options.language ?? 'en',
    },
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2DELETE` webhook body: `{bot}` only ("the last event the bot will receive"). */
export function botDeleteEvent(options: EnvelopeOptions & UserOptions = {}): BotDeleteEvent {
  return {
    event: 'ONIMBOTV2DELETE',
    data: { bot: webhookBot(options, options.authorId ?? 1) },
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2COMMANDADD` webhook body: `{bot, command, message, chat, user, language}`. */
export function commandAddEvent(options: CommandAddOptions = {}): CommandAddEvent {
  const command = options.command ?? 'help'
  const commandParams = options.commandParams ?? ''
  const base = messageData({ text: `/${command}${commandParams ? ` ${commandParams}` : ''}`, ...options })
  return {
    event: 'ONIMBOTV2COMMANDADD',
    data: {
      bot: base.bot,
      command: {
        id: options.commandId ?? 12,
        command,
        params: commandParams,
        context: options.commandContext ?? 'textarea',
      },
      message: base.message,
      chat: base.chat,
      user: base.user,
      language: base.language,
    },
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2REACTIONCHANGE` webhook body: `{bot, reaction, action, message, chat, user, language}`. */
export function reactionChangeEvent(options: ReactionChangeOptions = {}): ReactionChangeEvent {
  const base = messageData(options)
  return {
    event: 'ONIMBOTV2REACTIONCHANGE',
    data: {
      bot: base.bot,
      reaction: options.reaction ?? 'like',
      action: options.action ?? 'add',
      message: base.message,
      chat: base.chat,
      user: base.user,
      language: base.language,
    },
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Builds an `ONIMBOTV2CONTEXTGET` webhook body: `{bot, dialogId, context, chat, user, language}` (1:1 by default). */
export function contextGetEvent(options: ContextGetOptions = {}): ContextGetEvent {
  const facts = dialogFacts({ dialogId: '1', ...options })
  return {
    event: 'ONIMBOTV2CONTEXTGET',
    data: {
      bot: webhookBot(options, facts.authorId),
      dialogId: facts.dialogId,
      context: options.context ?? 'bot_context',
      chat: shortChat(options, facts),
      user: eventUser(options, facts, bitrixDate()),
      language: options.language ?? 'en',
    },
    ts: options.ts ?? unixNow(),
    auth: envelopeAuth(options),
  }
}

/** Options of the legacy `ONIMBOTMESSAGEADD`; defaults follow `fixtures/v1-message-add.json`. */
export interface V1MessageAddOptions {
  botId?: number
  botCode?: string
  dialogId?: string
  chatId?: number
  messageId?: number
  authorId?: number
  text?: string
  applicationToken?: string
  accessToken?: string
  /** `P` private (default when `dialogId` is a user id), `C` group (default for `chat<N>`), `O`, `L`, ... */
  chatType?: string
  userName?: string
  userIsBot?: boolean
  domain?: string
  memberId?: string
  language?: string
  ts?: number
  eventHandlerId?: string
  templateId?: string
  bot?: Partial<V1BotEntry>
  /** The pre-2023 `data[BOT]` entry: no tokens (`accessToken` and `bot` are then ignored). */
  legacyBot?: boolean
  params?: Partial<V1MessageParams>
  user?: Partial<V1User>
  auth?: Partial<V1EnvelopeAuth>
}

/** Builds a legacy v1 `ONIMBOTMESSAGEADD` body: `data[BOT]` keyed by bot id, `data[PARAMS]`, all scalars strings. */
export function v1MessageAddEvent(options: V1MessageAddOptions = {}): V1MessageAddEvent {
  const botId = options.botId ?? 567
  const dialogId = options.dialogId ?? '27'
  const isGroup = dialogId.startsWith('chat')
  const chatId = options.chatId ?? (isGroup ? Number(dialogId.slice(4)) : 1407)
  const authorId = options.authorId ?? (isGroup ? 27 : Number(dialogId))
  const chatType = options.chatType ?? (isGroup ? 'C' : 'P')
  const ts = options.ts ?? unixNow()
  const domain = options.domain ?? DOC_DOMAIN
  const memberId = options.memberId ?? DOC_MEMBER_ID
  const applicationToken = options.applicationToken ?? DOC_APPLICATION_TOKEN
  const clientEndpoint = `https://${domain}/rest/`
  const bot: V1BotEntry = {
    access_token: options.accessToken ?? DOC_BOT_ACCESS_TOKEN,
    expires: String(ts + 3600),
    expires_in: '3600',
    scope: 'imbot',
    domain,
    server_endpoint: DOC_SERVER_ENDPOINT,
    status: 'F',
    client_endpoint: clientEndpoint,
    member_id: memberId,
    user_id: String(authorId),
    application_token: applicationToken,
    BOT_ID: String(botId),
    BOT_CODE: options.botCode ?? 'BOT1',
    ...options.bot,
  }
  const params: V1MessageParams = {
    MESSAGE: options.text ?? 'Hello',
    TEMPLATE_ID: options.templateId ?? '796c45aa-70e5-45aa-930c-c7fb32710c62',
    MESSAGE_TYPE: chatType,
    FROM_USER_ID: String(authorId),
    DIALOG_ID: dialogId,
    TO_CHAT_ID: String(chatId),
    ...(isGroup ? { CHAT_ID: String(chatId) } : {}),
    AUTHOR_ID: String(authorId),
    SYSTEM: 'N',
    ...(isGroup ? {} : { TO_USER_ID: String(botId) }),
    MESSAGE_ID: String(options.messageId ?? 84331),
    CHAT_TYPE: chatType,
    LANGUAGE: options.language ?? 'en',
    ...options.params,
  }
  const ids = { domain, member_id: memberId, application_token: applicationToken }
  const legacy: V1LegacyBotEntry = { ...ids, AUTH: ids, BOT_ID: bot.BOT_ID, BOT_CODE: bot.BOT_CODE }
  return {
    event: 'ONIMBOTMESSAGEADD',
    event_handler_id: options.eventHandlerId ?? '403',
    data: {
      BOT: { [String(botId)]: options.legacyBot ? legacy : bot },
      PARAMS: params,
      USER: {
        ID: String(authorId),
        NAME: options.userName ?? 'Svetlana Ivanova',
        IS_BOT: options.userIsBot ? 'Y' : 'N',
        ...options.user,
      },
    },
    ts: String(ts),
    auth: {
      domain,
      client_endpoint: clientEndpoint,
      server_endpoint: DOC_SERVER_ENDPOINT,
      member_id: memberId,
      application_token: applicationToken,
      access_token: 'a98b9d690000071b000008440000001b0000071d8a2',
      user_id: String(authorId),
      refresh_token: '990ac569071b000008440000001b000007f80ccc35b5e3',
      ...options.auth,
    },
  }
}
