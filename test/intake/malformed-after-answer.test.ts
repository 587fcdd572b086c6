/**
 * A new message is answered from the ids its 200 needs; the rest of its body is decoded after the answer, before
 * any handler. Through the built service (fake portal, memory store) and `inject`.
 */
import { messageAddEvent, phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { describe, expect, it, vi } from 'vitest'
import type { EventContext } from '../../src/pipeline/context.js'
import { BUILT_BOT, build } from '../support/build.js'

const token = BUILT_BOT.applicationToken
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** The built service with a handler that records what reaches it and a logger that keeps its lines. */
async function world() {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  const handled: number[] = []
  const record = async (ctx: EventContext, next: () => Promise<void>) => {
    if (ctx.event.type === 'ONIMBOTV2MESSAGEADD') handled.push(ctx.event.message.id)
    await next()
  }
  const built = await build({ log, handlers: [record] })
  const send = (payload: string) =>
    built.service.app.inject({ method: 'POST', url: '/bitrix24/events', headers: FORM, payload })
  return { ...built, lines, handled, send }
}

const body = (messageId: number, extra = '') =>
  `${phpHttpBuildQuery(messageAddEvent({ applicationToken: token, dialogId: 'chat7', messageId }))}${extra}`

describe('a body found malformed after the 200', () => {
  it.each([
    ['a key nested too deep', `&data${'[a]'.repeat(9)}=1`, 'TOO_DEEP'],
    [
      'broken percent-encoding in a value the 200 does not need',
      '&data%5Buser%5D%5Bname%5D=%E0%A4%A',
      'MALFORMED_FORM',
    ],
    ['a malformed field the 200 does not need', '&data%5Bchat%5D%5Bid%5D=x', 'INVALID_EVENT'],
  ])(
    'with %s: answered 200, logged with its ids, counted, no handler runs, the message is still read',
    async (_name, extra, code) => {
      const { service, store, readsSent, lines, handled, send } = await world()
      const res = await send(body(41, extra))
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ ok: true, outcome: 'accepted' })
      await vi.waitFor(() => expect(readsSent()).toEqual([{ dialogId: 'chat7', messageId: 41 }]))
      await service.idle()
      expect(handled).toEqual([])
      expect(store.pendingReads()).toEqual([])
      const dropped = lines.filter((l) => String(l.msg).startsWith('event dropped'))
      expect(dropped).toEqual([
        expect.objectContaining({
          level: 40,
          event: 'ONIMBOTV2MESSAGEADD',
          botId: BUILT_BOT.id,
          dialogId: 'chat7',
          messageId: 41,
          reqId: expect.any(String),
          code,
        }),
      ])
      expect(await service.metrics.render()).toContain(
        `b24_autoread_events_malformed_after_answer_total{code="${code}"} 1`,
      )
      // Its dedupe key was kept: a redelivery is a duplicate.
      expect((await send(body(41, extra))).json()).toEqual({ ok: true, outcome: 'duplicate' })
    },
  )

  it('runs the handlers of a well-formed message answered the same way, with the fully decoded event', async () => {
    const { service, readsSent, handled, send, lines } = await world()
    expect((await send(body(42))).statusCode).toBe(200)
    await vi.waitFor(() => expect(readsSent()).toEqual([{ dialogId: 'chat7', messageId: 42 }]))
    await service.idle()
    expect(handled).toEqual([42])
    expect(lines.filter((l) => String(l.msg).startsWith('event dropped'))).toEqual([])
  })

  it('refuses a scanned message with a wrong or missing token before anything is stored', async () => {
    const { store, send, readsSent } = await world()
    const raw = body(43)
    const forged = await send(raw.replaceAll(`application_token%5D=${token}`, 'application_token%5D=forged-000000'))
    expect(forged.statusCode).toBe(401)
    const missing = await send(raw.replace(`&auth%5Bapplication_token%5D=${token}`, '&auth%5Bx%5D=1'))
    expect(missing.json()).toMatchObject({ ok: false, error: 'MISSING_APPLICATION_TOKEN' })
    expect(store.pendingReads()).toEqual([])
    expect(readsSent()).toEqual([])
  })
})
