import type { MethodHandler } from '../context.js'
import { botGet } from './bot-get.js'
import { botRegister } from './bot-register.js'
import { botUnregister } from './bot-unregister.js'
import { chatMessageRead } from './chat-message-read.js'
import { chatMessageSend } from './chat-message-send.js'
import { dialogRead } from './dialog-read.js'
import { eventGet } from './event-get.js'
import { profile } from './profile.js'
import { revisionGet } from './revision-get.js'
import { serverTime } from './server-time.js'

const METHODS: ReadonlyMap<string, MethodHandler> = new Map([
  ['imbot.v2.chat.message.read', chatMessageRead],
  ['imbot.v2.chat.message.send', chatMessageSend],
  ['imbot.v2.event.get', eventGet],
  ['imbot.v2.bot.register', botRegister],
  ['imbot.v2.bot.get', botGet],
  ['imbot.v2.bot.unregister', botUnregister],
  ['imbot.v2.revision.get', revisionGet],
  ['im.dialog.read', dialogRead],
  ['server.time', serverTime],
  ['profile', profile],
])

/** Finds a method's handler; Bitrix24 method names are case-insensitive. */
export function findMethod(method: string): MethodHandler | undefined {
  return METHODS.get(method.toLowerCase())
}
