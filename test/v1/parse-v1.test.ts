import { readFixture, v1MessageAddEvent } from '@b24-autoread/portal-sim/events'
import { describe, expect, it } from 'vitest'
import { parseFormBody } from '../../src/events/form-body.js'
import { parseV1Event } from '../../src/events/parse-v1.js'

const fixture = () => parseFormBody(readFixture('v1-message-add.form'))

describe('legacy v1 ONIMBOTMESSAGEADD', () => {
  it('maps the documented form body onto the v2 message model', () => {
    const parsed = parseV1Event(fixture(), new Set([567]))
    expect(parsed).toEqual({
      ok: true,
      event: {
        type: 'ONIMBOTV2MESSAGEADD',
        bot: {
          id: 567,
          code: 'BOT1',
          auth: expect.objectContaining({
            accessToken: '0b02a0690000071b0008440001b0007a16b39202c2490f015',
            clientEndpoint: 'https://some-domain.bitrix24.com/rest/',
            memberId: 'bac1cd5c8940947a75e0d71b1a84e348',
            expires: 1772093963,
          }),
          v1: true,
        },
        ts: 1771928985,
        portal: {
          domain: 'some-domain.bitrix24.com',
          memberId: 'bac1cd5c8940947a75e0d71b1a84e348',
          applicationToken: '831c76b092f9f135d9b6b36c3a720757',
        },
        message: {
          id: 84331,
          chatId: 1407,
          authorId: 27,
          text: 'Hello',
          isSystem: false,
          uuid: '796c45aa-70e5-45aa-930c-c7fb32710c62',
        },
        chat: { id: 1407, dialogId: '27', type: 'private' },
        user: { id: 27, isBot: false, name: 'Svetlana Ivanova' },
        language: 'en',
      },
    })
  })

  it('picks the configured bot out of several in data[BOT]', () => {
    const body = v1MessageAddEvent({ botId: 567, dialogId: 'chat12' })
    const other = { ...body.data.BOT['567'], BOT_ID: '890', BOT_CODE: 'OTHER' }
    const both = { ...body, data: { ...body.data, BOT: { '567': body.data.BOT['567'], '890': other } } }
    const parsed = parseV1Event(both, new Set([890]))
    expect(parsed).toMatchObject({ ok: true, event: { bot: { id: 890, code: 'OTHER' }, chat: { dialogId: 'chat12' } } })
    // With none of them configured the first one is taken, and intake then ignores it as another bot's.
    expect(parseV1Event(both, new Set([1]))).toMatchObject({ ok: true, event: { bot: { id: 567 } } })
  })

  it('maps group chats and v1 chat type letters', () => {
    const parsed = parseV1Event(v1MessageAddEvent({ botId: 5, dialogId: 'chat44', messageId: 9 }), undefined)
    expect(parsed).toMatchObject({
      ok: true,
      event: { message: { id: 9, chatId: 44, authorId: 27 }, chat: { id: 44, dialogId: 'chat44', type: 'chat' } },
    })
  })

  it('keeps a chat type that names an Object member as the plain string it is', () => {
    for (const chatType of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const parsed = parseV1Event(
        v1MessageAddEvent({ botId: 5, dialogId: 'chat44', messageId: 9, chatType }),
        undefined,
      )
      expect(parsed).toMatchObject({ ok: true, event: { chat: { type: chatType } } })
    }
  })

  it('reports what is missing, and leaves other bodies to the v2 parser', () => {
    const body = v1MessageAddEvent()
    const noMessage = { ...body, data: { ...body.data, PARAMS: { ...body.data.PARAMS, MESSAGE_ID: '' } } }
    expect(parseV1Event(noMessage, undefined)).toEqual({
      ok: false,
      code: 'INVALID_EVENT',
      problems: ['data.PARAMS.MESSAGE_ID is required'],
    })
    const noBot = { ...body, data: { ...body.data, BOT: {} } }
    expect(parseV1Event(noBot, undefined)).toMatchObject({
      ok: false,
      problems: ['data.BOT must hold the bot keyed by its id'],
    })
    const badDialog = { ...body, data: { ...body.data, PARAMS: { ...body.data.PARAMS, DIALOG_ID: 'x1' } } }
    expect(parseV1Event(badDialog, undefined)).toMatchObject({ ok: false })
    expect(parseV1Event({ event: 'ONIMBOTV2MESSAGEADD', data: {} }, undefined)).toBeUndefined()
    expect(parseV1Event({ event: 'ONIMBOTJOINCHAT', data: {} }, undefined)).toBeUndefined()
    expect(parseV1Event('ONIMBOTMESSAGEADD', undefined)).toBeUndefined()
  })
})
