import http from 'node:http'
import type { AddressInfo } from 'node:net'
import qs from 'qs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { phpHttpBuildQuery } from '../src/events/php-form.js'
import { type Portal, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook } from './support/portal-client.js'

interface EventPage {
  events: Array<{ eventId: number; type: string; date: string; data: Record<string, unknown> }>
  nextOffset: number
  hasMore: boolean
}

describe('portal events', () => {
  let portal: Portal
  let bot: SimBot
  const eventGet = async (params: object = {}): Promise<EventPage> => {
    const res = await callHook(portal, 'imbot.v2.Event.get', { botId: bot.id, botToken: 'tok', ...params })
    expect(res.status).toBe(200)
    return (res.json as { result: EventPage }).result
  }

  beforeEach(async () => {
    portal = await startPortal()
    bot = portal.addBot({ code: 'poller', botToken: 'tok', eventMode: 'fetch' })
  })
  afterEach(() => closeChecked(portal))

  it('returns the webhook-shaped ONIMBOTV2MESSAGEADD from userSends, signed with the bot application token', () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: 'chat5', authorId: 3, text: 'hello' })
    expect(sent.event).toMatchObject({
      event: 'ONIMBOTV2MESSAGEADD',
      data: {
        bot: { id: bot.id, code: 'poller', auth: { application_token: bot.applicationToken, domain: portal.domain } },
        message: { id: sent.messageId, chatId: 5, authorId: 3, text: 'hello' },
        chat: { id: 5, dialogId: 'chat5', type: 'chat' },
        user: { id: 3, bot: false },
      },
      auth: { application_token: bot.applicationToken, member_id: portal.memberId, domain: portal.domain },
    })
    const parsed = qs.parse(phpHttpBuildQuery(sent.event), { depth: 10, parseArrays: false })
    expect(parsed).toMatchObject({ data: { message: { id: String(sent.messageId) } } })
  })

  it('answers an empty queue with nextOffset 0', async () => {
    expect(await eventGet()).toEqual({ events: [], nextOffset: 0, hasMore: false })
  })

  it('pages with limit, repeats unconfirmed events, and confirms with offset', async () => {
    const sent = [1, 2, 3].map((n) => portal.userSends({ botId: bot.id, dialogId: '27', text: `m${n}` }))
    const ids = sent.map((s) => s.eventId ?? 0)
    expect(ids[1]).toBeGreaterThan(ids[0] ?? 0)
    const first = await eventGet({ limit: 2 })
    expect(first.events.map((e) => e.eventId)).toEqual(ids.slice(0, 2))
    expect(first).toMatchObject({ hasMore: true, nextOffset: (ids[1] ?? 0) + 1 })
    expect((await eventGet({ limit: 2 })).events.map((e) => e.eventId)).toEqual(ids.slice(0, 2))
    const second = await eventGet({ offset: first.nextOffset, limit: 2 })
    expect(second).toMatchObject({ hasMore: false, nextOffset: (ids[2] ?? 0) + 1 })
    expect(second.events.map((e) => e.eventId)).toEqual([ids[2]])
    expect(await eventGet({ offset: second.nextOffset })).toEqual({ events: [], nextOffset: 0, hasMore: false })
    expect(portal.pendingEvents(bot.id)).toBe(0)
  })

  it('delivers fetch-mode data with real JSON types and the full bot object without auth', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    const [event] = (await eventGet()).events
    expect(event).toMatchObject({ type: 'ONIMBOTV2MESSAGEADD', date: expect.any(String) })
    expect(event?.data).toMatchObject({
      bot: { id: bot.id, code: 'poller', type: 'bot', eventMode: 'fetch', moduleId: 'rest' },
      message: { id: sent.messageId, chatId: sent.chatId, authorId: 27, isSystem: false },
      chat: { dialogId: '27', type: 'private' },
    })
    expect(event?.data.bot).not.toHaveProperty('auth')
  })

  it('clamps limit to 1..1000', async () => {
    for (let i = 0; i < 3; i++) portal.userSends({ botId: bot.id, dialogId: '27' })
    expect((await eventGet({ limit: 0 })).events).toHaveLength(1)
    expect((await eventGet({ limit: 5000 })).events).toHaveLength(3)
  })

  it('queues nothing for a webhook-mode bot', () => {
    const hooked = portal.addBot({ code: 'hooked', botToken: 't2', eventMode: 'webhook', webhookUrl: 'http://x/' })
    expect(portal.userSends({ botId: hooked.id, dialogId: '27' }).eventId).toBeUndefined()
    expect(portal.pendingEvents(hooked.id)).toBe(0)
  })

  it('queues JOINCHAT and MESSAGEDELETE, and a deleted message can no longer be read', async () => {
    const joined = portal.botJoins({ botId: bot.id, dialogId: 'chat8', userId: 4 })
    expect(joined.event).toMatchObject({ event: 'ONIMBOTV2JOINCHAT', data: { dialogId: 'chat8', user: { id: 4 } } })
    const sent = portal.userSends({ botId: bot.id, dialogId: 'chat8', authorId: 4 })
    const deleted = portal.userDeletes({ botId: bot.id, messageId: sent.messageId })
    expect(deleted.event).toMatchObject({ event: 'ONIMBOTV2MESSAGEDELETE', data: { messageId: sent.messageId } })
    expect((await eventGet()).events.map((e) => e.type)).toEqual([
      'ONIMBOTV2JOINCHAT',
      'ONIMBOTV2MESSAGEADD',
      'ONIMBOTV2MESSAGEDELETE',
    ])
    const res = await callHook(portal, 'imbot.v2.Chat.Message.read', {
      botId: bot.id,
      botToken: 'tok',
      dialogId: 'chat8',
      messageId: sent.messageId,
    })
    expect(res.json).toMatchObject({ error: 'MESSAGE_NOT_FOUND' })
  })

  it('refuses to make someone else the author of a 1:1 message', () => {
    expect(() => portal.userSends({ botId: bot.id, dialogId: '27', authorId: 3 })).toThrow(/author/)
  })
})

describe('portal webhook delivery', () => {
  let portal: Portal
  let receiver: http.Server
  let received: Array<{ contentType: string | undefined; body: string }>
  let receiverUrl: string

  beforeEach(async () => {
    portal = await startPortal()
    received = []
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        received.push({ contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') })
        res.end('{"status":"ok"}')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/b24/events`
  })
  afterEach(async () => {
    await portal.close()
    await new Promise((resolve) => receiver.close(resolve))
  })

  it('POSTs the event PHP-form-encoded, like Bitrix24', async () => {
    const bot = portal.addBot({ code: 'hooked', botToken: 't', eventMode: 'webhook', webhookUrl: receiverUrl })
    const sent = await portal.userSendsAndDeliver({ botId: bot.id, dialogId: '27', text: 'a b&c' })
    expect(sent.delivery).toEqual({ status: 200, body: '{"status":"ok"}' })
    expect(received).toEqual([
      { contentType: 'application/x-www-form-urlencoded', body: phpHttpBuildQuery(sent.event) },
    ])
    expect(received[0]?.body).toContain('data%5Bmessage%5D%5Btext%5D=a+b%26c')
  })

  it('can POST JSON instead, as some documented handlers expect', async () => {
    const bot = portal.addBot({ code: 'hooked', botToken: 't', eventMode: 'webhook' })
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    await portal.deliver(sent.event, receiverUrl, { format: 'json' })
    expect(received[0]?.contentType).toBe('application/json')
    expect(JSON.parse(received[0]?.body ?? '')).toEqual(sent.event)
  })
})
