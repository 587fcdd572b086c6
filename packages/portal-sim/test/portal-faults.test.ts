import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Portal, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook } from './support/portal-client.js'

describe('portal fault injection', () => {
  let portal: Portal
  let bot: SimBot
  const revision = () => callHook(portal, 'imbot.v2.Revision.get')

  beforeEach(async () => {
    portal = await startPortal()
    bot = portal.addBot({ code: 'autoread', botToken: 'tok' })
  })
  afterEach(() => closeChecked(portal))

  it('serves 500 as JSON INTERNAL_SERVER_ERROR', async () => {
    portal.inject({ kind: '500' })
    expect(await revision()).toMatchObject({ status: 500, json: { error: 'INTERNAL_SERVER_ERROR' } })
    expect((await revision()).status).toBe(200)
  })

  it('serves 502 as an HTML page', async () => {
    portal.inject({ kind: '502-html' })
    const res = await revision()
    expect(res.status).toBe(502)
    expect(res.contentType).toMatch(/^text\/html/)
    expect(res.text).toContain('<title>502 Bad Gateway</title>')
    expect(res.json).toBeUndefined()
  })

  it('serves an injected 503 QUERY_LIMIT_EXCEEDED without counting it as a bucket rejection', async () => {
    portal.inject({ kind: '503' })
    expect(await revision()).toMatchObject({
      status: 503,
      json: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
    })
    expect(portal.stats()).toMatchObject({ rejected503: 0, faults: { '503': 1 } })
  })

  it('refuses one method with a documented error code, once', async () => {
    portal.inject({ kind: 'refuse', code: 'BOT_LIMIT_EXCEEDED', method: 'imbot.v2.Revision.get' })
    expect(await revision()).toMatchObject({ status: 400, json: { error: 'BOT_LIMIT_EXCEEDED' } })
    expect((await revision()).status).toBe(200)
    expect(portal.stats().faults).toEqual({ refuse: 1 })
  })

  it('serves 429 OPERATION_TIME_LIMIT', async () => {
    portal.inject({ kind: '429-operating' })
    expect(await revision()).toMatchObject({ status: 429, json: { error: 'OPERATION_TIME_LIMIT' } })
  })

  it('answers normally after a delay when slow', async () => {
    portal.inject({ kind: 'slow', delayMs: 150 })
    const started = Date.now()
    expect((await revision()).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(145)
  })

  it('drops the connection without answering and without doing the work', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    portal.inject({ kind: 'drop' })
    const params = { botId: bot.id, botToken: 'tok', dialogId: '27', messageId: sent.messageId }
    await expect(callHook(portal, 'imbot.v2.Chat.Message.read', params)).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(portal.readState(bot.id, '27').lastReadId).toBe(0)
    expect(portal.requests.at(-1)).toMatchObject({ status: 0, fault: 'drop' })
  })

  it('can drop the connection after doing the work (drop-after)', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    portal.inject({ kind: 'drop-after' })
    const params = { botId: bot.id, botToken: 'tok', dialogId: '27', messageId: sent.messageId }
    await expect(callHook(portal, 'imbot.v2.Chat.Message.read', params)).rejects.toThrow()
    expect(portal.readState(bot.id, '27').lastReadId).toBe(sent.messageId)
  })

  it('consumes a fault once per matching request, `times` times', async () => {
    portal.inject({ kind: '500', times: 2 })
    expect((await revision()).status).toBe(500)
    expect((await revision()).status).toBe(500)
    expect((await revision()).status).toBe(200)
    expect(portal.stats().faults).toEqual({ '500': 2 })
  })

  it('matches a fault by method, including inside a batch', async () => {
    portal.inject({ kind: '500', method: 'imbot.v2.Chat.Message.read', times: 2 })
    expect((await revision()).status).toBe(200)
    const batch = await callHook(portal, 'batch', { cmd: { r: `imbot.v2.Chat.Message.read?botId=${bot.id}` } })
    expect(batch.status).toBe(500)
    const direct = await callHook(portal, 'imbot.v2.Chat.Message.read', { botId: bot.id })
    expect(direct.status).toBe(500)
  })

  it('destroys every connection while down and serves again when up', async () => {
    expect((await revision()).status).toBe(200)
    portal.setDown(true)
    await expect(revision()).rejects.toThrow()
    await expect(revision()).rejects.toThrow()
    expect(portal.stats().droppedConnections).toBeGreaterThan(0)
    expect(portal.droppedAt()).toHaveLength(portal.stats().droppedConnections)
    portal.setDown(false)
    expect((await revision()).status).toBe(200)
  })

  it('resets recorded requests, counters, the bucket and pending faults, keeping bots and chats', async () => {
    const sent = portal.userSends({ botId: bot.id, dialogId: '27' })
    await callHook(portal, 'imbot.v2.Chat.Message.read', { botId: bot.id, botToken: 'tok', dialogId: '27' })
    portal.inject({ kind: '500' })
    portal.reset()
    expect(portal.requests).toEqual([])
    expect(portal.calls).toEqual([])
    expect(portal.stats()).toMatchObject({ requests: 0, reads: 0, byMethod: {}, bucketLevel: 0, faults: {} })
    expect((await revision()).status).toBe(200)
    expect(portal.readState(bot.id, '27').lastReadId).toBe(sent.messageId)
  })
})
