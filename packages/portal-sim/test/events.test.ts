import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import qs from 'qs'
import { describe, expect, it } from 'vitest'
import {
  botDeleteEvent,
  commandAddEvent,
  contextGetEvent,
  joinChatEvent,
  messageAddEvent,
  messageDeleteEvent,
  messageUpdateEvent,
  reactionChangeEvent,
  v1MessageAddEvent,
} from '../src/events/events.js'
import { phpHttpBuildQuery } from '../src/events/php-form.js'

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))
const fixture = (name: string): { json: unknown; form: string } => ({
  json: JSON.parse(readFileSync(`${fixturesDir}${name}.json`, 'utf8')),
  form: readFileSync(`${fixturesDir}${name}.form`, 'utf8'),
})
const docUser = { lastActivityDate: '2025-01-15T10:29:00+02:00' }
const docBotAuth = { expires: '1772093963', user_id: '27' }

describe('event builders', () => {
  it('rebuild the group ONIMBOTV2MESSAGEADD fixture exactly, JSON and form', () => {
    const event = messageAddEvent({
      ts: 1772093963,
      date: '2025-01-15T10:30:00+02:00',
      text: 'Hello bot! [USER=456]Support[/USER] & <b>50% off</b>?',
      message: { params: [] },
      botAuth: docBotAuth,
      user: docUser,
    })
    const { json, form } = fixture('v2-message-add-group')
    expect(event).toEqual(json)
    expect(phpHttpBuildQuery(event)).toBe(form)
  })

  it('rebuild the private ONIMBOTV2MESSAGEADD fixture exactly, JSON and form', () => {
    const event = messageAddEvent({
      dialogId: '1',
      chatId: 1295,
      messageId: 790,
      ts: 1772093963,
      date: '2025-01-15T10:31:00+02:00',
      text: 'Привет, бот',
      uuid: 'c0ffee00-1234-4321-9999-abcdefabcdef',
      message: { params: { FILE_ID: [12, 13] } },
      botAuth: docBotAuth,
      user: docUser,
    })
    const { json, form } = fixture('v2-message-add-private')
    expect(event).toEqual(json)
    expect(phpHttpBuildQuery(event)).toBe(form)
  })

  it('rebuild the ONIMBOTV2JOINCHAT fixture exactly, JSON and form', () => {
    const event = joinChatEvent({ ts: 1772093964, botAuth: docBotAuth, user: docUser })
    const { json, form } = fixture('v2-join-chat')
    expect(event).toEqual(json)
    expect(phpHttpBuildQuery(event)).toBe(form)
  })

  it('rebuild the legacy ONIMBOTMESSAGEADD fixture exactly, JSON and form', () => {
    const event = v1MessageAddEvent({ ts: 1771928985, bot: { expires: '1772093963' } })
    const { json, form } = fixture('v1-message-add')
    expect(event).toEqual(json)
    expect(phpHttpBuildQuery(event)).toBe(form)
  })

  it('apply the scalar overrides where the service reads them', () => {
    const event = messageAddEvent({
      botId: 7,
      botCode: 'autoread',
      dialogId: 'chat42',
      messageId: 1001,
      authorId: 9,
      text: 'hi',
      applicationToken: 'app-token',
      accessToken: 'bot-access',
      userIsBot: true,
    })
    expect(event.data.bot).toMatchObject({ id: 7, code: 'autoread', auth: { access_token: 'bot-access' } })
    expect(event.data.bot.auth.application_token).toBe('app-token')
    expect(event.auth.application_token).toBe('app-token')
    expect(event.data.message).toMatchObject({ id: 1001, chatId: 42, authorId: 9, text: 'hi' })
    expect(event.data.chat).toMatchObject({ id: 42, dialogId: 'chat42', type: 'chat' })
    expect(event.data.user).toMatchObject({ id: 9, bot: true })
  })

  it('make the counterpart the author of a 1:1 message', () => {
    const event = messageAddEvent({ dialogId: '27' })
    expect(event.data.chat.type).toBe('private')
    expect(event.data.message.authorId).toBe(27)
    expect(event.data.user.id).toBe(27)
  })

  it('survive a PHP form round trip with every scalar turned into a string', () => {
    const parsed = qs.parse(phpHttpBuildQuery(messageAddEvent({ messageId: 55 })), { depth: 10, parseArrays: false })
    expect(parsed).toMatchObject({ event: 'ONIMBOTV2MESSAGEADD', data: { message: { id: '55', isSystem: '0' } } })
  })

  it('shape the other v2 events as the docs list them', () => {
    expect(Object.keys(messageUpdateEvent().data)).toEqual(['bot', 'message', 'chat', 'user', 'language'])
    expect(messageUpdateEvent().event).toBe('ONIMBOTV2MESSAGEUPDATE')
    expect(Object.keys(messageDeleteEvent({ messageId: 3 }).data)).toEqual([
      'bot',
      'messageId',
      'chat',
      'user',
      'language',
    ])
    expect(messageDeleteEvent({ messageId: 3 }).data.messageId).toBe(3)
    expect(Object.keys(botDeleteEvent().data)).toEqual(['bot'])
    const command = commandAddEvent({ command: 'echo', commandParams: 'a b' })
    expect(command.data.command).toEqual({ id: 12, command: 'echo', params: 'a b', context: 'textarea' })
    expect(command.data.message.text).toBe('/echo a b')
    const reaction = reactionChangeEvent({ reaction: 'heart', action: 'delete' })
    expect(reaction.data).toMatchObject({ reaction: 'heart', action: 'delete' })
    const context = contextGetEvent({ context: 'ctx1' })
    expect(context.data).toMatchObject({ dialogId: '1', context: 'ctx1', chat: { type: 'private' } })
  })

  it('key the legacy data[BOT] map by bot id and fill group params', () => {
    const event = v1MessageAddEvent({ botId: 9, dialogId: 'chat77', messageId: 5 })
    expect(Object.keys(event.data.BOT)).toEqual(['9'])
    expect(event.data.PARAMS).toMatchObject({ DIALOG_ID: 'chat77', CHAT_ID: '77', MESSAGE_TYPE: 'C', MESSAGE_ID: '5' })
    expect(event.data.PARAMS.TO_USER_ID).toBeUndefined()
  })
})
