import type { AjaxResult } from '@bitrix24/b24jssdk'
import { afterEach, describe, expect, it } from 'vitest'
import { type Portal, type PortalOptions, type SimBot, startPortal } from '../src/index.js'
import { closeChecked } from './support/close-checked.js'
import { callHook } from './support/portal-client.js'
import { sdkHook } from './support/sdk-hook.js'

interface ReadResult {
  chatId: number
  lastId: number
  counter: number
  viewedMessages: number[]
}

describe('batch on the simulated portal', () => {
  let portal: Portal
  let bot: SimBot
  const start = async (options: PortalOptions = {}) => {
    portal = await startPortal(options)
    bot = portal.addBot({ code: 'autoread', botToken: 'tok' })
  }
  const readCmd = (dialogId: string, messageId?: number, token = 'tok') =>
    `imbot.v2.Chat.Message.read?botId=${bot.id}&botToken=${token}&dialogId=${dialogId}${
      messageId ? `&messageId=${messageId}` : ''
    }`
  const sdk = () => sdkHook(portal)

  afterEach(() => closeChecked(portal))

  it('answers result, result_error, result_total, result_next and result_time keyed by command', async () => {
    await start()
    const sent = portal.userSends({ botId: bot.id, dialogId: 'chat5' })
    const res = await callHook(portal, 'batch', {
      halt: 0,
      cmd: { ok: readCmd('chat5', sent.messageId), bad: readCmd('chat5', undefined, 'wrong') },
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      result: {
        result: { ok: { chatId: 5, lastId: sent.messageId, counter: 0, viewedMessages: [sent.messageId] } },
        result_error: { bad: { error: 'BOT_OWNERSHIP_ERROR', error_description: expect.any(String) } },
        result_total: [],
        result_next: [],
        result_time: { ok: expect.objectContaining({ operating: 0, operating_reset_at: expect.any(Number) }) },
      },
      time: expect.objectContaining({ start: expect.any(Number), operating: 0 }),
    })
    expect(portal.requests.at(-1)?.commands).toEqual([
      expect.objectContaining({ key: 'ok', method: 'imbot.v2.Chat.Message.read', errorCode: undefined }),
      expect.objectContaining({ key: 'bad', errorCode: 'BOT_OWNERSHIP_ERROR' }),
    ])
    expect(portal.calls.map((c) => c.via)).toEqual(['batch', 'batch'])
  })

  it('answers a list of commands with lists, and empty parts as []', async () => {
    await start()
    const res = await callHook(portal, 'batch', { cmd: ['imbot.v2.Revision.get', 'server.time'] })
    expect(res.json).toMatchObject({
      result: { result: [{ rest: 36 }, expect.any(String)], result_error: [], result_time: [{}, {}] },
    })
  })

  it('stops at the first error when halt is set', async () => {
    await start()
    const res = await callHook(portal, 'batch', {
      halt: 1,
      cmd: { a: 'imbot.v2.Revision.get', b: 'no.such.method', c: 'imbot.v2.Revision.get' },
    })
    expect(res.json).toMatchObject({
      result: { result: { a: { rest: 36 } }, result_error: { b: { error: 'ERROR_METHOD_NOT_FOUND' } } },
    })
    expect(portal.calls).toHaveLength(2)
  })

  it('refuses more than 50 commands with ERROR_BATCH_LENGTH_EXCEEDED', async () => {
    await start()
    const cmd = Array.from({ length: 51 }, () => 'server.time')
    expect(await callHook(portal, 'batch', { cmd })).toMatchObject({
      status: 400,
      json: { error: 'ERROR_BATCH_LENGTH_EXCEEDED' },
    })
  })

  it('refuses a nested batch per command', async () => {
    await start()
    const res = await callHook(portal, 'batch', { cmd: { inner: 'batch?cmd[x]=server.time' } })
    expect(res.json).toMatchObject({ result: { result_error: { inner: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED' } } } })
  })

  it('can refuse imbot.v2 commands one by one (imbotInBatch: per-command-error)', async () => {
    await start({ imbotInBatch: 'per-command-error' })
    const res = await callHook(portal, 'batch', { cmd: { r: readCmd('27'), t: 'server.time' } })
    expect(res.json).toMatchObject({
      result: { result: { t: expect.any(String) }, result_error: { r: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED' } } },
    })
  })

  it.each([
    ['per-command-method-not-found', 'ERROR_METHOD_NOT_FOUND'],
    ['per-command-access-denied', 'ACCESS_DENIED'],
  ] as const)('can refuse imbot.v2 commands one by one with another code (imbotInBatch: %s)', async (mode, code) => {
    await start({ imbotInBatch: mode })
    portal.userSends({ botId: bot.id, dialogId: '27' })
    const res = await callHook(portal, 'batch', { cmd: { r: readCmd('27'), t: 'server.time' } })
    expect(res.json).toMatchObject({
      result: { result: { t: expect.any(String) }, result_error: { r: { error: code } } },
    })
    // The same read alone succeeds: only batch refuses it.
    const alone = await callHook(portal, 'imbot.v2.Chat.Message.read', {
      botId: bot.id,
      botToken: 'tok',
      dialogId: '27',
    })
    expect(alone).toMatchObject({ status: 200, json: { result: { counter: 0 } } })
  })

  it('can refuse a whole batch holding imbot.v2 commands with 405 (imbotInBatch: reject-batch)', async () => {
    await start({ imbotInBatch: 'reject-batch' })
    const res = await callHook(portal, 'batch', { cmd: { r: readCmd('27'), t: 'server.time' } })
    expect(res).toMatchObject({ status: 405, json: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED' } })
  })

  it('feeds the real SDK: named calls with returnAjaxResult give one AjaxResult per key', async () => {
    await start()
    const a = portal.userSends({ botId: bot.id, dialogId: 'chat5' })
    const b = portal.userSends({ botId: bot.id, dialogId: '27' })
    const response = await sdk().actions.v2.batch.make<ReadResult>({
      calls: {
        a: {
          method: 'imbot.v2.Chat.Message.read',
          params: { botId: bot.id, botToken: 'tok', dialogId: 'chat5', messageId: a.messageId },
        },
        b: ['imbot.v2.Chat.Message.read', { botId: bot.id, botToken: 'tok', dialogId: '27', messageId: b.messageId }],
        c: ['imbot.v2.Chat.Message.read', { botId: bot.id, botToken: 'wrong', dialogId: '27' }],
      },
      options: { isHaltOnError: false, returnAjaxResult: true },
    })
    expect(response.isSuccess).toBe(false)
    expect(Object.keys(response.getErrorsByKey())).toEqual(['c'])
    expect(response.getErrorsByKey().c).toMatchObject({ code: 'BOT_OWNERSHIP_ERROR', status: 200 })
    const data = response.getData() as Record<string, AjaxResult<ReadResult>>
    expect(data.a?.isSuccess).toBe(true)
    expect(data.a?.getData()?.result).toEqual({
      chatId: 5,
      lastId: a.messageId,
      counter: 0,
      viewedMessages: [a.messageId],
    })
    expect(data.a?.getData()?.time).toMatchObject({ operating: 0, operating_reset_at: expect.any(Number) })
    expect(data.b?.getData()?.result.lastId).toBe(b.messageId)
    expect(data.c?.isSuccess).toBe(false)
    const sentBody = portal.requests.at(-1)?.body as { halt: number; cmd: Record<string, string> }
    expect(sentBody.halt).toBe(0)
    expect(sentBody.cmd.a).toMatch(
      /^imbot\.v2\.Chat\.Message\.read\?botId=\d+&botToken=tok&dialogId=chat5&messageId=\d+$/,
    )
  })

  it('feeds the real SDK: array calls give AjaxResults in order', async () => {
    await start()
    const response = await sdk().actions.v2.batch.make({
      calls: [
        ['imbot.v2.Revision.get', {}],
        ['server.time', {}],
      ],
      options: { isHaltOnError: false, returnAjaxResult: true },
    })
    expect(response.isSuccess).toBe(true)
    const data = response.getData() as AjaxResult<unknown>[]
    expect(data.map((r) => r.isSuccess)).toEqual([true, true])
    expect(data[0]?.getData()?.result).toEqual({ rest: 36, web: 130, mobile: 26, desktop: 5 })
  })

  it('makes the real SDK throw ERROR_BATCH_METHOD_NOT_ALLOWED when the portal rejects the batch', async () => {
    await start({ imbotInBatch: 'reject-batch' })
    const call = sdk().actions.v2.batch.make({
      calls: { r: ['imbot.v2.Chat.Message.read', { botId: bot.id, botToken: 'tok', dialogId: '27' }] },
      options: { isHaltOnError: false, returnAjaxResult: true },
    })
    await expect(call).rejects.toMatchObject({ code: 'ERROR_BATCH_METHOD_NOT_ALLOWED', status: 405 })
  })
})
