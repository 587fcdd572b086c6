import { bitrixDate } from './events/event-parts.js'
import type { EventUser, FullBot } from './events/event-types.js'
import type { SimBot } from './types.js'
import type { World } from './world.js'

/** The extended Bot object (`Bot.register`/`Bot.get` result, fetch-mode `data.bot`); `appId` is gone since rev 35. */
export function fullBot(bot: SimBot, world: World): FullBot {
  const users = new Set<number>()
  let countChat = 0
  for (const chat of world.chatsOf(bot.id)) {
    countChat += 1
    for (const member of chat.members) if (member !== bot.id) users.add(member)
  }
  return {
    id: bot.id,
    code: bot.code,
    type: bot.type,
    isHidden: false,
    isSupportOpenline: false,
    isReactionsEnabled: true,
    backgroundId: null,
    language: 'en',
    moduleId: 'rest',
    eventMode: bot.eventMode,
    countMessage: 0,
    countCommand: 0,
    countChat,
    countUser: users.size,
  }
}

/** The bot's user record, as `users[]` of `Bot.register`/`Bot.get`. */
export function botUser(bot: SimBot): EventUser {
  const [firstName = bot.name, ...rest] = bot.name.split(' ')
  return {
    id: bot.id,
    active: true,
    name: bot.name,
    firstName,
    lastName: rest.join(' '),
    workPosition: bot.workPosition,
    color: '#df532d',
    avatar: '',
    gender: 'M',
    birthday: '',
    extranet: false,
    bot: true,
    connector: false,
    externalAuthId: 'bot',
    status: 'online',
    idle: false,
    lastActivityDate: bitrixDate(),
    absent: false,
    departments: [1],
    phones: false,
    type: 'bot',
  }
}
