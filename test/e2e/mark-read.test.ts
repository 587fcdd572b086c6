import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function post(w: World, body: string, headers: Record<string, string> = FORM, path = '/bitrix24/events') {
  const res = await fetch(`${w.service.url}${path}`, { method: 'POST', headers, body })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('end to end: webhook in, imbot.v2.Chat.Message.read out (real SDK, HTTPS)', () => {
  it('marks a form-encoded message read with the exact documented request', async () => {
    world = await startWorld()
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat77', text: 'Hello & <b>bot</b>' })
    expect(w.portal.readState(w.botId, 'chat77').unread).toBe(1)
    const res = await post(w, phpHttpBuildQuery(sent.event))
    expect(res).toEqual({ status: 200, body: { ok: true, outcome: 'accepted' } })
    await vi.waitFor(() =>
      expect(w.portal.readState(w.botId, 'chat77')).toEqual({ lastReadId: sent.messageId, unread: 0 }),
    )
    const reads = w.portal.requests.filter((r) => r.method === 'imbot.v2.Chat.Message.read')
    expect(reads).toHaveLength(1)
    const [read] = reads
    expect(read?.httpMethod).toBe('POST')
    expect(read?.path).toBe(`/rest/${w.portal.webhookUserId}/${w.portal.webhookSecret}/imbot.v2.Chat.Message.read`)
    expect(read?.headers['content-type']).toMatch(/^application\/json/)
    expect(read?.body).toEqual({
      botId: w.botId,
      botToken: TEST_SECRETS.botToken,
      dialogId: 'chat77',
      messageId: sent.messageId,
    })
    await vi.waitFor(() => expect(w.printed()).toContain('"msg":"message read"'))
    const line = w.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'message read')
    expect(line).toMatchObject({ outcome: 'read', lastId: sent.messageId, counter: 0, dialogId: 'chat77' })
    expect(typeof line.durationMs).toBe('number')
  })

  it('accepts the same event as JSON and reads a private dialog by the counterpart id', async () => {
    world = await startWorld()
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: '31', authorId: 31, text: 'Привет' })
    const res = await post(w, JSON.stringify(sent.event), { 'content-type': 'application/json; charset=utf-8' })
    expect(res.status).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, '31').unread).toBe(0))
  })

  it('answers before the portal does: the acknowledgement does not wait for the read call', async () => {
    world = await startWorld({ portal: { latencyMs: 800 } })
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat5' })
    const started = Date.now()
    const res = await post(w, phpHttpBuildQuery(sent.event))
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(400)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, 'chat5').unread).toBe(0), { timeout: 5000 })
  })

  it('processes a redelivered message once', async () => {
    world = await startWorld()
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat8' })
    const body = phpHttpBuildQuery(sent.event)
    expect((await post(w, body)).body.outcome).toBe('accepted')
    expect((await post(w, body)).body).toEqual({ ok: true, outcome: 'duplicate' })
    await w.service.reads.idle()
    expect(w.portal.requests.filter((r) => r.method === 'imbot.v2.Chat.Message.read')).toHaveLength(1)
  })

  it('acknowledges and ignores events for another bot, and unknown event names', async () => {
    world = await startWorld()
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat9' })
    const other = structuredClone(sent.event) as unknown as { data: { bot: { id: number } } }
    other.data.bot.id = w.botId + 1000
    expect((await post(w, phpHttpBuildQuery(other))).body).toEqual({
      ok: true,
      outcome: 'ignored',
      reason: 'other-bot',
    })
    const unknown = phpHttpBuildQuery({
      event: 'ONSOMETHINGNEW',
      data: { x: 1 },
      auth: { application_token: TEST_SECRETS.applicationToken },
    })
    expect((await post(w, unknown)).body).toEqual({ ok: true, outcome: 'ignored', reason: 'unknown-event' })
    expect(w.printed()).toContain('event ignored: it is for another bot')
    expect(w.portal.requests).toHaveLength(0)
  })

  it('passes other ONIMBOTV2 events to the pipeline without reading anything', async () => {
    const seen: string[] = []
    world = await startWorld({
      handlers: [
        async (ctx, next) => {
          seen.push(ctx.event.type)
          await next()
        },
      ],
    })
    const w = world
    const join = w.portal.botJoins({ botId: w.botId, dialogId: 'chat12' })
    expect((await post(w, phpHttpBuildQuery(join.event))).status).toBe(200)
    await vi.waitFor(() => expect(seen).toEqual(['ONIMBOTV2JOINCHAT']))
    expect(w.portal.requests).toHaveLength(0)
  })

  it('still marks the message read when a handler throws, and logs the failure with the ids', async () => {
    world = await startWorld({
      handlers: [
        async () => {
          throw new Error('handler exploded')
        },
      ],
    })
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat13' })
    expect((await post(w, phpHttpBuildQuery(sent.event))).status).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, 'chat13').unread).toBe(0))
    const failure = w.logs.map((l) => JSON.parse(l)).find((l) => l.err?.code === 'HANDLER_FAILED')
    expect(failure).toMatchObject({ level: 50, messageId: sent.messageId, dialogId: 'chat13', botId: w.botId })
    expect(failure.err).toEqual({
      type: 'PipelineError',
      code: 'HANDLER_FAILED',
      message: 'A pipeline handler threw; the message is still marked read',
      cause: { type: 'Error', message: 'handler exploded' },
    })
  })

  it('coalesces a burst in one dialog into few reads that end at the last id', async () => {
    world = await startWorld()
    const w = world
    // Hold the first read at the portal so the whole burst arrives while it is in flight (deterministic under load).
    w.portal.inject({ kind: 'slow', delayMs: 2_000, times: 1, method: 'imbot.v2.Chat.Message.read' })
    const bodies = Array.from({ length: 30 }, () =>
      phpHttpBuildQuery(w.portal.userSends({ botId: w.botId, dialogId: 'chat20' }).event),
    )
    const [first, ...rest] = bodies
    await post(w, first as string)
    await vi.waitFor(() => expect(w.portal.requests.length).toBe(1))
    await Promise.all(rest.map((b) => post(w, b)))
    await vi.waitFor(() => expect(w.portal.readState(w.botId, 'chat20').unread).toBe(0), { timeout: 10_000 })
    await w.service.reads.idle()
    const reads = w.portal.calls.filter((c) => c.method === 'imbot.v2.Chat.Message.read')
    expect(reads.map((r) => Number(r.params.messageId))).toEqual([
      Number(new URLSearchParams(first).get('data[message][id]')),
      Math.max(...bodies.map((b) => Number(new URLSearchParams(b).get('data[message][id]')))),
    ])
    expect(w.portal.stats().regressions).toBe(0)
  })

  it('pauses reads on a configuration error with one error line, keeping the read stored', async () => {
    world = await startWorld({ env: { B24_BOT_TOKEN: 'a-wrong-bot-token-123' } })
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat30' })
    expect((await post(w, phpHttpBuildQuery(sent.event))).status).toBe(200)
    await vi.waitFor(() => expect(w.service.reads.portalError?.code).toBe('BOT_OWNERSHIP_ERROR'))
    expect(w.portal.requests.map((r) => r.errorCode)).toEqual(['BOT_OWNERSHIP_ERROR'])
    const errors = w.logs.map((l) => JSON.parse(l)).filter((l) => l.level >= 50)
    expect(errors).toEqual([
      expect.objectContaining({ code: 'BOT_OWNERSHIP_ERROR', msg: expect.stringContaining('paused') }),
    ])
    expect(w.service.store.pendingReads()).toEqual([{ botId: w.botId, dialogId: 'chat30', messageId: sent.messageId }])
    expect(w.printed()).not.toContain('a-wrong-bot-token-123')
  })

  it('never prints the bot token, application token or webhook secret', async () => {
    world = await startWorld()
    const w = world
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat40' })
    await post(w, phpHttpBuildQuery(sent.event))
    await post(w, phpHttpBuildQuery({ ...sent.event, auth: { application_token: 'forged-token-0000' } }))
    await w.service.reads.idle()
    const printed = w.printed()
    expect(printed.length).toBeGreaterThan(100)
    for (const secret of [
      TEST_SECRETS.botToken,
      TEST_SECRETS.applicationToken,
      w.portal.webhookSecret,
      'forged-token-0000',
    ]) {
      expect(printed).not.toContain(secret)
    }
  })
})
