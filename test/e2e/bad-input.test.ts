import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

const FORM = 'application/x-www-form-urlencoded'
let world: World
const reachedPipeline: string[] = []

beforeAll(async () => {
  world = await startWorld({
    env: { BODY_LIMIT_BYTES: '65536' },
    handlers: [
      async (ctx, next) => {
        reachedPipeline.push(ctx.event.type)
        await next()
      },
    ],
  })
})
afterAll(async () => {
  await world.close()
})

function validEvent(): Record<string, unknown> {
  return world.portal.userSends({ botId: world.botId, dialogId: 'chat3' }).event as unknown as Record<string, unknown>
}

async function send(body: string | undefined, contentType: string | undefined, path = '/bitrix24/events') {
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {}
  const res = await fetch(`${world.service.url}${path}`, {
    method: 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  })
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string; message?: string } }
}

describe('bad input gets a clear 4xx and never reaches the pipeline', () => {
  const withField = (path: string[], value: unknown) => {
    const event = validEvent()
    let node = event as Record<string, unknown>
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
    const last = path.at(-1) as string
    if (value === undefined) delete node[last]
    else node[last] = value
    return phpHttpBuildQuery(event)
  }

  it.each([
    ['an empty form body', () => '', FORM, 400, 'EMPTY_BODY'],
    ['no body and no content type', () => undefined, undefined, 400, 'EMPTY_BODY'],
    ['a wrong content type', () => 'event=x', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a body without a content type', () => 'event=x', '', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['malformed percent-encoding', () => 'event=%E0%A4%A', FORM, 400, 'MALFORMED_FORM'],
    ['malformed JSON', () => '{"event": "ONIMBOTV2MESSAGEADD",', 'application/json', 400, 'MALFORMED_JSON'],
    [
      'a JSON event with a constructor key',
      () => JSON.stringify({ ...validEvent(), data: { constructor: { prototype: { x: 1 } } } }),
      'application/json',
      400,
      'FORBIDDEN_KEY',
    ],
    [
      'a JSON event with more than 1000 values',
      () => JSON.stringify({ ...validEvent(), extra: Array.from({ length: 1001 }, (_, i) => i) }),
      'application/json',
      400,
      'TOO_MANY_PARAMETERS',
    ],
    [
      'a JSON event nested deeper than 8',
      () => JSON.stringify({ ...validEvent(), extra: [[[[[[[[[1]]]]]]]]] }),
      'application/json',
      400,
      'TOO_DEEP',
    ],
    ['an oversized body', () => `event=${'x'.repeat(70_000)}`, FORM, 413, 'BODY_TOO_LARGE'],
    ['a missing message id', () => withField(['data', 'message', 'id'], undefined), FORM, 400, 'INVALID_EVENT'],
    ['a non-numeric message id', () => withField(['data', 'message', 'id'], '78x9'), FORM, 400, 'INVALID_EVENT'],
    ['a non-numeric bot id', () => withField(['data', 'bot', 'id'], 'abc'), FORM, 400, 'INVALID_EVENT'],
    ['a missing dialog id', () => withField(['data', 'chat', 'dialogId'], undefined), FORM, 400, 'INVALID_EVENT'],
    [
      'a wrong application token',
      () => withField(['auth', 'application_token'], 'forged-0123456'),
      FORM,
      401,
      'INVALID_APPLICATION_TOKEN',
    ],
    ['a missing application token', () => withField(['auth'], undefined), FORM, 401, 'MISSING_APPLICATION_TOKEN'],
  ])('rejects %s', async (_name, body, contentType, status, code) => {
    const before = world.portal.requests.length
    const res = await send(body(), contentType)
    expect(res.status).toBe(status)
    expect(res.body).toMatchObject({ ok: false, error: code })
    expect(res.body.message?.length).toBeGreaterThan(10)
    expect(reachedPipeline).toEqual([])
    expect(world.portal.requests.length).toBe(before)
  })

  it('names the bad field in the message', async () => {
    const res = await send(withField(['data', 'message', 'id'], '78x9'), FORM)
    expect(res.body.message).toContain('data.message.id must be a positive integer')
  })

  it('answers 404 with a JSON body for unknown routes', async () => {
    const res = await send('x=1', FORM, '/nope')
    expect(res).toEqual({ status: 404, body: expect.objectContaining({ ok: false, error: 'NOT_FOUND' }) })
  })

  it('never logs the presented or the expected token', async () => {
    // Sends its own forged token (and does not count on the tests above having run).
    const res = await send(withField(['auth', 'application_token'], 'forged-6543210'), FORM)
    expect(res.status).toBe(401)
    await vi.waitFor(() => expect(world.printed()).toContain('INVALID_APPLICATION_TOKEN'))
    const printed = world.printed()
    expect(printed).toContain('request rejected')
    expect(printed).not.toContain('forged-6543210')
    expect(printed).not.toContain('forged-0123456')
    expect(printed).not.toContain(TEST_SECRETS.applicationToken)
  })
})

describe('secret path segment', () => {
  let secretWorld: World
  beforeAll(async () => {
    secretWorld = await startWorld({
      env: { B24_EVENTS_SECRET: TEST_SECRETS.eventsSecret, B24_APPLICATION_TOKEN: undefined },
    })
  })
  afterAll(async () => {
    await secretWorld.close()
  })

  const postTo = async (path: string) => {
    const sent = secretWorld.portal.userSends({ botId: secretWorld.botId, dialogId: 'chat1' })
    const res = await fetch(`${secretWorld.service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: phpHttpBuildQuery(sent.event),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('accepts events only at /bitrix24/events/<secret>', async () => {
    expect((await postTo(`/bitrix24/events/${TEST_SECRETS.eventsSecret}`)).status).toBe(200)
    expect(await postTo('/bitrix24/events')).toMatchObject({ status: 401, body: { error: 'INVALID_EVENTS_SECRET' } })
    expect(await postTo('/bitrix24/events/guessed-secret-000000')).toMatchObject({
      status: 401,
      body: { error: 'INVALID_EVENTS_SECRET' },
    })
    const printed = secretWorld.printed()
    expect(printed).not.toContain('guessed-secret-000000')
    expect(printed).not.toContain(TEST_SECRETS.eventsSecret)
  })
})
