/** The webhook route of the built service (fake portal, memory store), through `inject`: milliseconds, no network. */

import { joinChatEvent, messageAddEvent } from '@b24-autoread/portal-sim/events'
import { describe, expect, it } from 'vitest'
import { BUILT_BOT, build } from '../support/build.js'

const token = BUILT_BOT.applicationToken

describe('webhook route', () => {
  it('answers 200 at once and has the message read by the bot', async () => {
    const { service, post, readsSent } = await build()
    const res = await post(messageAddEvent({ applicationToken: token, dialogId: 'chat7', messageId: 41 }))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true, outcome: 'accepted' })
    await service.idle()
    expect(readsSent()).toEqual([{ dialogId: 'chat7', messageId: 41 }])
  })

  it('refuses a wrong or missing application token with 401, before anything is queued', async () => {
    const { post, store, readsSent } = await build()
    const forged = await post(messageAddEvent({ applicationToken: 'forged-token-0000000' }))
    expect(forged.statusCode).toBe(401)
    expect(forged.json()).toMatchObject({ ok: false, error: 'INVALID_APPLICATION_TOKEN' })
    const missing = await post({ event: 'ONIMBOTV2MESSAGEADD', data: { bot: { id: 456 } } })
    expect(missing.statusCode).toBe(401)
    expect(missing.json()).toMatchObject({ ok: false, error: 'MISSING_APPLICATION_TOKEN' })
    expect(store.pendingReads()).toEqual([])
    expect(readsSent()).toEqual([])
  })

  it('refuses an empty body and a malformed event with 400 and a message that says what is wrong', async () => {
    const { service, post } = await build()
    const empty = await service.app.inject({ method: 'POST', url: '/bitrix24/events' })
    expect(empty.statusCode).toBe(400)
    const malformed = await post({ event: 'ONIMBOTV2MESSAGEADD', data: { x: '1' }, auth: { application_token: token } })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json()).toMatchObject({ ok: false, error: expect.any(String), message: /Invalid event/ })
  })

  it('accepts events only at the secret path when B24_EVENTS_SECRET is set', async () => {
    const secret = 'events-secret-build-77aa'
    const { post } = await build({ env: { B24_EVENTS_SECRET: secret } })
    const event = messageAddEvent({ applicationToken: token })
    expect((await post(event)).statusCode).toBe(401)
    expect((await post(event, '/bitrix24/events/not-the-secret')).statusCode).toBe(401)
    expect((await post(event, `/bitrix24/events/${secret}`)).statusCode).toBe(200)
  })

  it('answers a redelivered message as a duplicate and reads it once', async () => {
    const { service, post, readsSent } = await build()
    const event = messageAddEvent({ applicationToken: token, dialogId: '17', messageId: 9 })
    expect((await post(event)).json()).toEqual({ ok: true, outcome: 'accepted' })
    expect((await post(event)).json()).toEqual({ ok: true, outcome: 'duplicate' })
    await service.idle()
    expect(readsSent()).toEqual([{ dialogId: '17', messageId: 9 }])
  })

  it('answers events of another bot 200 without reading them', async () => {
    const { service, post, readsSent } = await build()
    const res = await post(messageAddEvent({ applicationToken: token, botId: 999 }))
    expect(res.json()).toEqual({ ok: true, outcome: 'ignored', reason: 'other-bot' })
    expect((await post(joinChatEvent({ applicationToken: token }))).json()).toEqual({ ok: true, outcome: 'accepted' })
    await service.idle()
    expect(readsSent()).toEqual([])
  })

  it('answers 503 SHUTTING_DOWN and fails /readyz once shutdown has begun', async () => {
    const { service, port, post } = await build({ env: { SHUTDOWN_TIMEOUT_MS: '1000' } })
    port.hold()
    expect((await post(messageAddEvent({ applicationToken: token, messageId: 1 }))).statusCode).toBe(200)
    const closed = service.close()
    const refused = await post(messageAddEvent({ applicationToken: token, messageId: 2 }))
    expect(refused.statusCode).toBe(503)
    expect(refused.json()).toMatchObject({ ok: false, error: 'SHUTTING_DOWN' })
    expect(refused.headers['retry-after']).toBe('5')
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json().reasons).toContain('shutdown: the service is shutting down')
    port.release()
    await closed
  })
})
