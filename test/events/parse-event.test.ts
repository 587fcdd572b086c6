import { readFixture } from '@b24-autoread/portal-sim/events'
import { describe, expect, it } from 'vitest'
import { parseFormBody } from '../../src/events/form-body.js'
import { parseJsonBody } from '../../src/events/json-body.js'
import { parseEvent } from '../../src/events/parse-event.js'

const fromForm = (name: string) => parseEvent(parseFormBody(readFixture(`${name}.form`)))
const fromJson = (name: string) => parseEvent(parseJsonBody(readFixture(`${name}.json`)))

describe('parseEvent on the documented payloads', () => {
  it.each(['v2-message-add-group', 'v2-message-add-private', 'v2-join-chat'])(
    'reads %s identically from the PHP form body and from JSON',
    (name) => {
      const form = fromForm(name)
      expect(form.ok).toBe(true)
      expect(form).toEqual(fromJson(name))
    },
  )

  it('types a group ONIMBOTV2MESSAGEADD with coerced ids, booleans and text', () => {
    const result = fromForm('v2-message-add-group')
    expect(result).toMatchObject({
      ok: true,
      event: {
        type: 'ONIMBOTV2MESSAGEADD',
        bot: { id: 456, code: 'support_bot' },
        message: {
          id: 789,
          chatId: 5,
          authorId: 1,
          isSystem: false,
          text: 'Hello bot! [USER=456]Support[/USER] & <b>50% off</b>?',
        },
        chat: { id: 5, dialogId: 'chat5', type: 'chat' },
        user: { id: 1, isBot: false, name: 'John Smith' },
        ts: 1772093963,
        portal: { domain: 'some-domain.bitrix24.com', memberId: 'bac1cd5c8940947a75e0d71b1a84e348' },
      },
    })
  })

  it('reads a private chat: the dialog id is the counterpart user id and UTF-8 text survives', () => {
    const result = fromForm('v2-message-add-private')
    expect(result).toMatchObject({
      ok: true,
      event: { message: { id: 790, text: 'Привет, бот' }, chat: { dialogId: '1', type: 'private', id: 1295 } },
    })
  })

  it('takes the top-level dialogId of ONIMBOTV2JOINCHAT', () => {
    expect(fromForm('v2-join-chat')).toMatchObject({
      ok: true,
      event: { type: 'ONIMBOTV2JOINCHAT', chat: { dialogId: 'chat5' } },
    })
  })

  it('keeps the OAuth block of data.bot.auth for callbacks', () => {
    const result = fromForm('v2-message-add-group')
    expect(result.ok && result.event.type !== 'unknown' && result.event.bot.auth).toMatchObject({
      clientEndpoint: 'https://some-domain.bitrix24.com/rest/',
      memberId: 'bac1cd5c8940947a75e0d71b1a84e348',
      expires: 1772093963,
    })
  })

  it('acknowledges a well-formed event with an unknown name as unknown', () => {
    expect(parseEvent({ event: 'ONAPPINSTALL', data: {} })).toEqual({
      ok: true,
      event: { type: 'unknown', name: 'ONAPPINSTALL' },
    })
  })

  it.each([
    ['a missing message id', { 'data[message][id]': undefined }, 'data.message.id is required'],
    ['a non-numeric message id', { 'data[message][id]': 'abc' }, 'data.message.id must be a positive integer'],
    ['a zero bot id', { 'data[bot][id]': '0' }, 'data.bot.id must be a positive integer'],
    ['a missing dialog id', { 'data[chat][dialogId]': undefined }, 'data.chat.dialogId is required'],
    ['a malformed dialog id', { 'data[chat][dialogId]': 'chat5; DROP' }, 'data.chat.dialogId must look like'],
    ['a fractional id', { 'data[message][id]': '7.5' }, 'data.message.id must be a positive integer'],
  ])('rejects %s with a message naming the field', (_name, change, problem) => {
    const params = new URLSearchParams(readFixture('v2-message-add-group.form'))
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) params.delete(key)
      else params.set(key, value)
    }
    const result = parseEvent(parseFormBody(params.toString()))
    expect(result.ok).toBe(false)
    expect(!result.ok && result.code).toBe('INVALID_EVENT')
    expect(!result.ok && result.problems.join('; ')).toContain(problem)
  })

  it('accepts ids sent as JSON numbers or strings', () => {
    const body = JSON.parse(readFixture('v2-message-add-group.json'))
    body.data.message.id = '789'
    body.data.bot.id = 456
    expect(parseEvent(body)).toMatchObject({ ok: true, event: { message: { id: 789 }, bot: { id: 456 } } })
  })

  it('rejects bodies that are not event envelopes', () => {
    expect(parseEvent([])).toMatchObject({ ok: false, code: 'INVALID_EVENT' })
    expect(parseEvent({ data: {} })).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('event is required')],
    })
    expect(parseEvent({ event: 'ONIMBOTV2MESSAGEADD' })).toMatchObject({
      ok: false,
      problems: ['data is required and must be an object'],
    })
  })
})
