import type { BotAuth, EnvelopeAuth, EventChat, EventMessage, EventUser, ShortChat, WebhookBot } from './event-types.js'

/** The `application_token` of the documentation examples and of `fixtures/*`. */
export const DOC_APPLICATION_TOKEN = '831c76b092f9f135d9b6b36c3a720757'
/** The bot `access_token` of the documentation examples. */
export const DOC_BOT_ACCESS_TOKEN = '0b02a0690000071b0008440001b0007a16b39202c2490f015'
/** The `member_id` of the documentation examples. */
export const DOC_MEMBER_ID = 'bac1cd5c8940947a75e0d71b1a84e348'
/** The portal domain of the documentation examples. */
export const DOC_DOMAIN = 'some-domain.bitrix24.com'
/** Bitrix24's OAuth server endpoint, as events carry it. */
export const DOC_SERVER_ENDPOINT = 'https://oauth.bitrix.info/rest/'

/** Formats a date the way Bitrix24 does in events (`2025-01-15T10:30:00+00:00`), in UTC. */
export function bitrixDate(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}+00:00`
}

/** Unix time in whole seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000)
}

/** Who the event is for, and the tokens and portal it comes from. */
export interface EnvelopeOptions {
  botId?: number
  botCode?: string
  /** Goes to both `auth.application_token` and `data.bot.auth.application_token`. */
  applicationToken?: string
  /** The bot's callback token `data.bot.auth.access_token`. */
  accessToken?: string
  domain?: string
  memberId?: string
  clientEndpoint?: string
  serverEndpoint?: string
  ts?: number
  language?: string
  botAuth?: Partial<BotAuth>
  auth?: Partial<EnvelopeAuth>
}

/** The dialog an event is about. `dialogId` is `chat<N>` for a group or the counterpart user's id for 1:1. */
export interface ChatOptions {
  dialogId?: string
  chatId?: number
  chatType?: string
  chatName?: string
  chat?: Partial<EventChat>
}

/** The user an event is from (the message author, the adder, ...). */
export interface UserOptions {
  authorId?: number
  userName?: string
  userIsBot?: boolean
  user?: Partial<EventUser>
}

/** The message an event is about. */
export interface MessageOptions {
  messageId?: number
  text?: string
  date?: string
  uuid?: string
  isSystem?: boolean
  message?: Partial<EventMessage>
}

/** Resolved dialog facts shared by the parts of one event. */
export interface DialogFacts {
  dialogId: string
  chatId: number
  isGroup: boolean
  authorId: number
}

/** Resolves the dialog and author defaults: group `chat5` by user 1; in 1:1 the author is the counterpart. */
export function dialogFacts(options: ChatOptions & UserOptions): DialogFacts {
  const dialogId = options.dialogId ?? 'chat5'
  const isGroup = dialogId.startsWith('chat')
  const counterpart = Number(dialogId)
  const chatId = options.chatId ?? (isGroup ? Number(dialogId.slice(4)) : 1000 + counterpart)
  const authorId = options.authorId ?? (isGroup ? 1 : counterpart)
  return { dialogId, chatId, isGroup, authorId }
}

/** Builds `data.bot` of a webhook-mode event: `{id, code, auth}`. */
export function webhookBot(options: EnvelopeOptions, userId: number): WebhookBot {
  const ts = options.ts ?? unixNow()
  const domain = options.domain ?? DOC_DOMAIN
  return {
    id: options.botId ?? 456,
    code: options.botCode ?? 'support_bot',
    auth: {
      access_token: options.accessToken ?? DOC_BOT_ACCESS_TOKEN,
      expires: String(ts + 3600),
      expires_in: '3600',
      scope: 'imbot',
      domain,
      server_endpoint: options.serverEndpoint ?? DOC_SERVER_ENDPOINT,
      status: 'F',
      client_endpoint: options.clientEndpoint ?? `https://${domain}/rest/`,
      member_id: options.memberId ?? DOC_MEMBER_ID,
      user_id: String(userId),
      application_token: options.applicationToken ?? DOC_APPLICATION_TOKEN,
      ...options.botAuth,
    },
  }
}

/** Builds the top-level `auth` of a v2 webhook envelope. */
export function envelopeAuth(options: EnvelopeOptions): EnvelopeAuth {
  const domain = options.domain ?? DOC_DOMAIN
  return {
    domain,
    client_endpoint: options.clientEndpoint ?? `https://${domain}/rest/`,
    server_endpoint: options.serverEndpoint ?? DOC_SERVER_ENDPOINT,
    member_id: options.memberId ?? DOC_MEMBER_ID,
    application_token: options.applicationToken ?? DOC_APPLICATION_TOKEN,
    ...options.auth,
  }
}

/** Builds the Chat entity. */
export function eventChat(options: ChatOptions, facts: DialogFacts): EventChat {
  return {
    id: facts.chatId,
    dialogId: facts.dialogId,
    type: options.chatType ?? (facts.isGroup ? 'chat' : 'private'),
    name: options.chatName ?? (facts.isGroup ? 'Support Chat' : ''),
    entityType: '',
    owner: facts.isGroup ? facts.authorId : 0,
    avatar: '',
    color: facts.isGroup ? '#ab7761' : '#df532d',
    ...options.chat,
  }
}

/** Builds the short chat object of JOINCHAT / CONTEXTGET. */
export function shortChat(options: ChatOptions, facts: DialogFacts): ShortChat {
  const full = eventChat(options, facts)
  return { id: full.id, dialogId: full.dialogId, type: full.type, name: full.name }
}

/** Builds the User entity of the author; `userName` is split into first and last name. */
export function eventUser(options: UserOptions, facts: DialogFacts, date: string): EventUser {
  const name = options.userName ?? 'John Smith'
  const [firstName = name, ...rest] = name.split(' ')
  const isBot = options.userIsBot ?? false
  return {
    id: facts.authorId,
    active: true,
    name,
    firstName,
    lastName: rest.join(' '),
    workPosition: isBot ? '' : 'Developer',
    color: '#df532d',
    avatar: '',
    gender: 'M',
    birthday: '',
    extranet: false,
    bot: isBot,
    connector: false,
    externalAuthId: isBot ? 'bot' : 'default',
    status: 'online',
    idle: false,
    lastActivityDate: date,
    absent: false,
    departments: [1],
    phones: false,
    type: isBot ? 'bot' : 'employee',
    ...options.user,
  }
}

/** Builds the Message entity. */
export function eventMessage(options: MessageOptions, facts: DialogFacts, date: string): EventMessage {
  return {
    id: options.messageId ?? 789,
    chatId: facts.chatId,
    authorId: facts.authorId,
    date,
    text: options.text ?? 'Hello bot!',
    isSystem: options.isSystem ?? false,
    uuid: options.uuid ?? '',
    forward: null,
    params: {},
    viewedByOthers: false,
    ...options.message,
  }
}
