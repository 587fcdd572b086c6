import type { SimBot } from './types.js'

/** A portal user (bots are users too: a bot's id is its user id). */
export interface SimUser {
  id: number
  name: string
  isBot: boolean
}

/** A stored chat message. */
export interface SimMessage {
  id: number
  chatId: number
  authorId: number
  text: string
  date: string
  uuid: string
}

/** A chat: `private` between two users, or a group `chat<N>`. */
export interface SimChat {
  id: number
  type: 'private' | 'chat'
  name: string
  ownerId: number
  members: Set<number>
  messages: SimMessage[]
}

/** The result of marking a chat read for one reader. */
export interface ReadOutcome {
  lastId: number
  viewed: number[]
  counter: number
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`)

/**
 * The simulated portal's data: users, bots, chats, messages and per-reader read marks.
 * Ids grow monotonically like Bitrix24's (messages from 10000, auto chats from 1000, auto bots from 456).
 */
export class World {
  readonly users = new Map<number, SimUser>()
  readonly bots = new Map<number, SimBot>()
  readonly chats = new Map<number, SimChat>()
  readonly #privateChats = new Map<string, number>()
  readonly #lastRead = new Map<string, number>()
  readonly #chatsByMember = new Map<number, Set<SimChat>>()
  #nextUserId = 456
  #nextChatId = 1000
  #nextMessageId = 10_000

  /** Returns the user, creating `User <id>` on first sight. */
  ensureUser(id: number, name?: string, isBot = false): SimUser {
    const existing = this.users.get(id)
    if (existing) return existing
    const user: SimUser = { id, name: name ?? (id === 1 ? 'John Smith' : `User ${id}`), isBot }
    this.users.set(id, user)
    return user
  }

  /** Picks a free user id for a new bot. */
  allocateUserId(): number {
    while (this.users.has(this.#nextUserId)) this.#nextUserId += 1
    return this.#nextUserId++
  }

  /** Stores a bot and its user. */
  addBot(bot: SimBot): SimBot {
    if (this.users.has(bot.id) && !this.bots.has(bot.id)) throw new Error(`user id ${bot.id} is taken by a user`)
    this.users.set(bot.id, { id: bot.id, name: bot.name, isBot: true })
    this.bots.set(bot.id, bot)
    return bot
  }

  /** Deletes a bot, its user and its chat memberships. */
  removeBot(botId: number): void {
    this.bots.delete(botId)
    this.users.delete(botId)
    for (const chat of [...this.chatsOf(botId)]) this.leave(chat, botId)
  }

  /** Adds a member to a chat (keeps the per-member index in step). */
  join(chat: SimChat, userId: number): void {
    chat.members.add(userId)
    const chats = this.#chatsByMember.get(userId) ?? new Set<SimChat>()
    chats.add(chat)
    this.#chatsByMember.set(userId, chats)
  }

  /** Removes a member from a chat. */
  leave(chat: SimChat, userId: number): void {
    chat.members.delete(userId)
    this.#chatsByMember.get(userId)?.delete(chat)
  }

  /** The chats a user or bot belongs to. */
  chatsOf(userId: number): Iterable<SimChat> {
    return this.#chatsByMember.get(userId) ?? []
  }

  /** Finds a message in a chat, scanning from the newest (ids only grow). */
  messageIn(chat: SimChat, messageId: number): SimMessage | undefined {
    for (let i = chat.messages.length - 1; i >= 0; i--) {
      const message = chat.messages[i]
      if (!message || message.id < messageId) return undefined
      if (message.id === messageId) return message
    }
    return undefined
  }

  /** Finds a bot by its code. */
  findBotByCode(code: string): SimBot | undefined {
    for (const bot of this.bots.values()) if (bot.code === code) return bot
    return undefined
  }

  /** Resolves a dialogId as seen by `readerId`: `chat<N>` is group N, a number is the 1:1 chat with that user. */
  resolveDialog(readerId: number, dialogId: string): SimChat | undefined {
    const group = /^chat(\d+)$/.exec(dialogId)
    if (group) return this.chats.get(Number(group[1]))
    if (/^\d+$/.test(dialogId)) {
      const chatId = this.#privateChats.get(pairKey(readerId, Number(dialogId)))
      return chatId === undefined ? undefined : this.chats.get(chatId)
    }
    return undefined
  }

  /** The group chat `chat<id>`, created (owned by `ownerId`) if missing. */
  groupChat(chatId: number, ownerId: number): SimChat {
    const existing = this.chats.get(chatId)
    if (existing) {
      if (existing.type !== 'chat') throw new Error(`chat ${chatId} is a private chat`)
      return existing
    }
    const chat: SimChat = {
      id: chatId,
      type: 'chat',
      name: `Chat ${chatId}`,
      ownerId,
      members: new Set(),
      messages: [],
    }
    this.chats.set(chatId, chat)
    return chat
  }

  /** The 1:1 chat between two users, created if missing. */
  privateChat(a: number, b: number): SimChat {
    const key = pairKey(a, b)
    const known = this.#privateChats.get(key)
    const existing = known === undefined ? undefined : this.chats.get(known)
    if (existing) return existing
    while (this.chats.has(this.#nextChatId)) this.#nextChatId += 1
    const chat: SimChat = {
      id: this.#nextChatId++,
      type: 'private',
      name: '',
      ownerId: 0,
      members: new Set(),
      messages: [],
    }
    this.chats.set(chat.id, chat)
    this.join(chat, a)
    this.join(chat, b)
    this.#privateChats.set(key, chat.id)
    return chat
  }

  /** The dialogId of `chat` as seen by `readerId` (`chat<N>`, or the counterpart's id). */
  dialogIdFor(readerId: number, chat: SimChat): string {
    if (chat.type === 'chat') return `chat${chat.id}`
    const other = [...chat.members].find((id) => id !== readerId)
    return String(other ?? readerId)
  }

  /** Appends a message with the next message id. */
  addMessage(chat: SimChat, authorId: number, text: string, date: string, uuid = ''): SimMessage {
    const message: SimMessage = { id: this.#nextMessageId++, chatId: chat.id, authorId, text, date, uuid }
    chat.messages.push(message)
    return message
  }

  /** Finds a message anywhere (message ids are unique portal-wide). */
  findMessage(messageId: number): { chat: SimChat; message: SimMessage } | undefined {
    for (const chat of this.chats.values()) {
      const message = this.messageIn(chat, messageId)
      if (message) return { chat, message }
    }
    return undefined
  }

  /** Removes a message; returns what was removed. */
  deleteMessage(messageId: number): { chat: SimChat; message: SimMessage } | undefined {
    const found = this.findMessage(messageId)
    if (found) found.chat.messages = found.chat.messages.filter((m) => m.id !== messageId)
    return found
  }

  /** The id of the last message `readerId` has read in `chat` (0 if none). */
  lastRead(readerId: number, chatId: number): number {
    return this.#lastRead.get(`${readerId}:${chatId}`) ?? 0
  }

  /** Messages by others after the reader's last read mark. */
  unread(readerId: number, chat: SimChat): number {
    return this.#after(chat, this.lastRead(readerId, chat.id), Number.POSITIVE_INFINITY, readerId).length
  }

  /** Marks everything up to and including `upTo` read for `readerId`; never moves the mark back. */
  markRead(readerId: number, chat: SimChat, upTo: number): ReadOutcome {
    const previous = this.lastRead(readerId, chat.id)
    const lastId = Math.max(previous, upTo)
    const viewed = this.#after(chat, previous, lastId, readerId)
    this.#lastRead.set(`${readerId}:${chat.id}`, lastId)
    return { lastId, viewed, counter: this.unread(readerId, chat) }
  }

  /** Ids of messages not by `readerId` with `from < id <= to`, scanning back from the newest. */
  #after(chat: SimChat, from: number, to: number, readerId: number): number[] {
    const ids: number[] = []
    for (let i = chat.messages.length - 1; i >= 0; i--) {
      const message = chat.messages[i]
      if (!message || message.id <= from) break
      if (message.id <= to && message.authorId !== readerId) ids.push(message.id)
    }
    return ids.reverse()
  }
}
