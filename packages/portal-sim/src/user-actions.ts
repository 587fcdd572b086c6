import { fullBot } from './bot-view.js'
import type { PortalEnv } from './context.js'
import type { EventQueues } from './event-queues.js'
import { bitrixDate, type EnvelopeOptions, unixNow } from './events/event-parts.js'
import type { JoinChatEvent, MessageAddEvent, MessageDeleteEvent } from './events/event-types.js'
import { joinChatEvent, messageAddEvent, messageDeleteEvent } from './events/events.js'
import type { SimBot } from './types.js'
import type { SimChat, World } from './world.js'

/** What user actions change. */
export interface ActionDeps {
  world: World
  queues: EventQueues
  env: PortalEnv
}

/** A user writes to a bot: `dialogId` as the bot sees it (`chat<N>`, or the user's id for 1:1). */
export interface UserSendsSpec {
  botId: number
  dialogId: string
  /** Defaults to the counterpart in 1:1 and to user 1 in a group. */
  authorId?: number
  text?: string
  uuid?: string
  userName?: string
  userIsBot?: boolean
}

/** The message created and the event Bitrix24 would send about it. */
export interface UserSendsResult {
  messageId: number
  chatId: number
  dialogId: string
  /** Webhook shape (`data.bot.auth`, top-level `auth.application_token` = the bot's application token). */
  event: MessageAddEvent
  /** Set when the bot is in fetch mode and the event was queued for `imbot.v2.Event.get`. */
  eventId?: number
}

/** The envelope options that make an event look like it came from this portal to this bot. */
export function envelopeFor(env: PortalEnv, bot: SimBot): EnvelopeOptions {
  return {
    botId: bot.id,
    botCode: bot.code,
    applicationToken: bot.applicationToken,
    accessToken: bot.accessToken,
    domain: env.domain,
    memberId: env.memberId,
    clientEndpoint: `${env.url}/rest/`,
    serverEndpoint: `${env.url}/rest/`,
    ...(bot.refreshToken === undefined ? {} : { botAuth: { refresh_token: bot.refreshToken } }),
  }
}

function requireBot(world: World, botId: number): SimBot {
  const bot = world.bots.get(botId)
  if (!bot) throw new Error(`portal: no bot ${botId}`)
  return bot
}

function enqueue(deps: ActionDeps, bot: SimBot, type: string, data: { bot: unknown }): number | undefined {
  if (bot.eventMode !== 'fetch') return undefined
  return deps.queues.push(bot.id, type, bitrixDate(), { ...data, bot: fullBot(bot, deps.world) })
}

function chatFor(world: World, bot: SimBot, dialogId: string, authorId: number | undefined): [SimChat, number] {
  const group = /^chat(\d+)$/.exec(dialogId)
  if (group) {
    const author = authorId ?? 1
    const chat = world.groupChat(Number(group[1]), author)
    world.join(chat, bot.id)
    world.join(chat, author)
    return [chat, author]
  }
  if (!/^\d+$/.test(dialogId)) throw new Error(`portal: unsupported dialogId ${dialogId}`)
  const counterpart = Number(dialogId)
  if (authorId !== undefined && authorId !== counterpart) {
    throw new Error(`portal: in a 1:1 dialog ${dialogId} the author is user ${dialogId}`)
  }
  return [world.privateChat(bot.id, counterpart), counterpart]
}

/** A user posts a message; the bot becomes a member of the dialog; fetch-mode bots get the event queued. */
export function userSends(deps: ActionDeps, spec: UserSendsSpec): UserSendsResult {
  const bot = requireBot(deps.world, spec.botId)
  const [chat, authorId] = chatFor(deps.world, bot, spec.dialogId, spec.authorId)
  const user = deps.world.ensureUser(authorId, spec.userName, spec.userIsBot)
  const date = bitrixDate()
  const message = deps.world.addMessage(chat, authorId, spec.text ?? 'Hello bot!', date, spec.uuid)
  const event = messageAddEvent({
    ...envelopeFor(deps.env, bot),
    dialogId: spec.dialogId,
    chatId: chat.id,
    chatType: chat.type,
    chatName: chat.name,
    chat: { owner: chat.ownerId },
    authorId,
    userName: user.name,
    userIsBot: user.isBot,
    messageId: message.id,
    text: message.text,
    uuid: message.uuid,
    date,
    ts: unixNow(),
  })
  const eventId = enqueue(deps, bot, event.event, event.data)
  return { messageId: message.id, chatId: chat.id, dialogId: spec.dialogId, event, ...(eventId ? { eventId } : {}) }
}

/** A user adds the bot to group `dialogId` (`chat<N>`); returns the `ONIMBOTV2JOINCHAT` event. */
export function botJoins(
  deps: ActionDeps,
  spec: { botId: number; dialogId: string; userId?: number },
): { chatId: number; event: JoinChatEvent; eventId?: number } {
  const bot = requireBot(deps.world, spec.botId)
  const [chat, userId] = chatFor(deps.world, bot, spec.dialogId, spec.userId)
  const user = deps.world.ensureUser(userId)
  const event = joinChatEvent({
    ...envelopeFor(deps.env, bot),
    dialogId: spec.dialogId,
    chatId: chat.id,
    chatType: chat.type,
    chatName: chat.name,
    authorId: userId,
    userName: user.name,
  })
  const eventId = enqueue(deps, bot, event.event, event.data)
  return { chatId: chat.id, event, ...(eventId ? { eventId } : {}) }
}

/** Removes the bot from a dialog, so reads there get ACCESS_DENIED. */
export function botLeaves(deps: ActionDeps, spec: { botId: number; dialogId: string }): void {
  const chat = deps.world.resolveDialog(spec.botId, spec.dialogId)
  if (chat) deps.world.leave(chat, spec.botId)
}

/** Its author deletes a message; returns the `ONIMBOTV2MESSAGEDELETE` event for the bot. */
export function userDeletes(
  deps: ActionDeps,
  spec: { botId: number; messageId: number },
): { event: MessageDeleteEvent; eventId?: number } {
  const bot = requireBot(deps.world, spec.botId)
  const found = deps.world.deleteMessage(spec.messageId)
  if (!found) throw new Error(`portal: no message ${spec.messageId}`)
  const user = deps.world.ensureUser(found.message.authorId)
  const event = messageDeleteEvent({
    ...envelopeFor(deps.env, bot),
    dialogId: deps.world.dialogIdFor(bot.id, found.chat),
    chatId: found.chat.id,
    chatType: found.chat.type,
    chatName: found.chat.name,
    authorId: user.id,
    userName: user.name,
    messageId: spec.messageId,
  })
  const eventId = enqueue(deps, bot, event.event, event.data)
  return { event, ...(eventId ? { eventId } : {}) }
}
