/**
 * Property-based tests of the live webhook endpoint: random bytes, hostile keys, deep nesting, too many parameters,
 * broken encodings and content types, oversized bodies and clients that never finish. The service must answer
 * 4xx (or 200 for a valid event), never 5xx, keep `Object.prototype` clean and its memory bounded, and still
 * process the next valid event.
 */
import { connect, type Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { phpHttpBuildQuery, phpUrlEncode } from '@b24-autoread/portal-sim/events'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../../src/app.js'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

const FORM = 'application/x-www-form-urlencoded'
const PATHS = [
  '/bitrix24/events',
  '/bitrix24/events/',
  '/bitrix24/events/x',
  '/bitrix24/events/%00',
  '/bitrix24/events?a[b]=1',
]
const CONTENT_TYPES = [
  FORM,
  `${FORM}; charset=utf-8`,
  `${FORM}; charset=windows-1251`,
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded, application/json',
  '',
  ';;;',
  'application/\u00e9',
  undefined,
]

let world: World

/** The V8 collector, exposed at run time so the heap can be measured without garbage. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort()

beforeAll(async () => {
  world = await startWorld({ env: { BODY_LIMIT_BYTES: String(256 * 1024) } })
})
afterAll(async () => {
  await world.close()
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore)
})

async function inject(body: string | Buffer | undefined, contentType: string | undefined, url = '/bitrix24/events') {
  const res = await world.service.app.inject({
    method: 'POST',
    url,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { payload: body }),
  })
  return res
}

/** An authenticated envelope whose `data` is random: it passes the token check and exercises the event parser. */
const authenticatedJunk = fc
  .tuple(
    fc.constantFrom('ONIMBOTV2MESSAGEADD', 'ONIMBOTV2JOINCHAT', 'ONIMBOTV2MESSAGEDELETE', 'onimbotv2messageadd', 'X'),
    fc.dictionary(
      fc.oneof(fc.constantFrom('bot', 'chat', 'message', 'user', '__proto__', 'constructor', 'prototype'), fc.string()),
      fc.anything({ maxDepth: 3 }),
      { maxKeys: 6 },
    ),
  )
  .map(([event, data]) => {
    const body = { event, data, auth: { application_token: TEST_SECRETS.applicationToken } }
    try {
      return phpHttpBuildQuery(body)
    } catch {
      return phpHttpBuildQuery({ event, auth: body.auth })
    }
  })

const bracketJunk = fc
  .array(
    fc.tuple(
      fc.array(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'data', 'bot', ''),
          fc.string({ maxLength: 4 }),
        ),
        {
          minLength: 1,
          maxLength: 14,
        },
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 20 },
  )
  .map((pairs) =>
    pairs
      .map(
        ([path, value]) =>
          `${path[0]}${path
            .slice(1)
            .map((p) => `[${phpUrlEncode(p)}]`)
            .join('')}=${phpUrlEncode(value)}`,
      )
      .join('&'),
  )

describe('the webhook endpoint under hostile input', () => {
  it('answers random bodies, content types and paths with 4xx or 200, never 5xx', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)),
      fc.string({ maxLength: 500 }),
      bracketJunk,
      authenticatedJunk,
      fc.json(),
      fc.constantFrom('%E0%A4%A', '%C3%28=1', 'event=%FF%FE', 'a=%', '%%%%', '\u0000=\u0000'),
      fc.constant(undefined),
    )
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(...CONTENT_TYPES),
        fc.constantFrom(...PATHS),
        async (payload, type, url) => {
          const res = await inject(payload, type, url)
          expect(res.statusCode, `${res.statusCode} ${res.body}`).toBeLessThan(500)
          if (res.statusCode !== 200) {
            expect(res.statusCode).toBeGreaterThanOrEqual(400)
            expect(res.json()).toMatchObject({ ok: false, error: expect.any(String) })
          }
        },
      ),
      { numRuns: 600 },
    )
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore)
  })

  it.each([
    ['10,000 parameters', Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&'), 400, 'TOO_MANY_PARAMETERS'],
    ['nesting 5,000 deep', `data${'[a]'.repeat(5_000)}=1`, 400, 'TOO_DEEP'],
    ['a 300 KB body', `event=${'x'.repeat(300 * 1024)}`, 413, 'BODY_TOO_LARGE'],
    ['invalid percent-encoded UTF-8', 'event=%C3%28&data[x]=%ED%A0%80', 400, 'MALFORMED_FORM'],
  ])('refuses %s', async (_name, payload, status, code) => {
    const res = await inject(payload, FORM)
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ ok: false, error: code })
  })

  it('refuses JSON nested 100,000 deep and __proto__ keys', async () => {
    expect((await inject('['.repeat(100_000), 'application/json')).statusCode).toBe(400)
    expect((await inject(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, 'application/json')).statusCode).toBe(400)
    const proto = await inject('{"__proto__":{"polluted":true},"event":"X"}', 'application/json')
    expect(proto.json()).toMatchObject({ ok: false, error: 'FORBIDDEN_KEY' })
  })

  it('keeps memory bounded over hundreds of large bad requests', async () => {
    const big = Array.from({ length: 999 }, (_, i) => `data[k${i}][x]=${'y'.repeat(200)}`).join('&')
    const gc = exposeGc()
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 250; i++) {
      const res = await inject(i % 2 === 0 ? big : `${big}&event=ONIMBOTV2MESSAGEADD`, FORM)
      expect(res.statusCode).toBe(401)
    }
    gc()
    const grown = process.memoryUsage().heapUsed - before
    // One retained body of ~215 KB (decoded, several times that) per request would be far over this.
    expect(grown).toBeLessThan(16 * 1024 * 1024)
  })

  it('still processes the next valid event, and reads it', async () => {
    const sent = world.portal.userSends({ botId: world.botId, dialogId: 'chat900' })
    const res = await fetch(`${world.service.url}/bitrix24/events`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: phpHttpBuildQuery(sent.event),
    })
    expect(res.status).toBe(200)
    await vi.waitFor(() => expect(world.portal.readState(world.botId, 'chat900').unread).toBe(0), { timeout: 5_000 })
    expect(world.printed()).not.toContain('"level":60')
    expect(world.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request failed')).toEqual([])
  })
})

describe('clients that send slowly and never finish', () => {
  const accepted: string[] = []
  let app: Awaited<ReturnType<typeof buildApp>>
  let port = 0

  beforeAll(async () => {
    app = await buildApp({
      logger: pino({ level: 'silent' }),
      bodyLimitBytes: 64 * 1024,
      requestTimeoutMs: 1_000,
      webhook: {
        applicationToken: TEST_SECRETS.applicationToken,
        eventsSecret: undefined,
        accept: async (event) => {
          accepted.push(event.type)
          return { outcome: 'accepted' }
        },
      },
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    port = typeof address === 'object' && address ? address.port : 0
  })
  afterAll(async () => {
    await app.close()
  })

  /** Opens a connection that sends `head`, then one byte every 100 ms, forever; resolves when the server closes it. */
  function slowClient(head: string): { socket: Socket; closed: Promise<{ afterMs: number; answer: string }> } {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    socket.on('error', () => {})
    socket.write(head)
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write('a')
    }, 100)
    const closed = new Promise<{ afterMs: number; answer: string }>((resolve) => {
      socket.on('close', () => {
        clearInterval(drip)
        resolve({ afterMs: Date.now() - started, answer })
      })
    })
    return { socket, closed }
  }

  it('cuts off slow bodies and slow headers at the request timeout while serving others', async () => {
    const body = slowClient(
      `POST /bitrix24/events HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nContent-Length: 60000\r\n\r\nevent=`,
    )
    const headers = slowClient(`POST /bitrix24/events HTTP/1.1\r\nHost: x\r\nX-Slow: `)
    const crowd = Array.from({ length: 50 }, () =>
      slowClient(`POST /bitrix24/events HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nContent-Length: 9999\r\n\r\n`),
    )
    const valid = phpHttpBuildQuery({
      event: 'ONIMBOTV2JOINCHAT',
      data: { bot: { id: 7 }, chat: { dialogId: 'chat1', id: 1 }, user: { id: 1 } },
      auth: { application_token: TEST_SECRETS.applicationToken },
    })
    const started = Date.now()
    const res = await fetch(`http://127.0.0.1:${port}/bitrix24/events`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: valid,
    })
    expect(Date.now() - started).toBeLessThan(500)
    expect(res.status).toBeLessThan(500)
    const clients = [body, headers, ...crowd]
    const gaveUp = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 5_000))
    try {
      const results = await Promise.race([Promise.all(clients.map((c) => c.closed)), gaveUp])
      expect(results, 'slow clients were not cut off within 5 s').not.toBe('still open')
      for (const { afterMs, answer } of results as Array<{ afterMs: number; answer: string }>) {
        expect(afterMs).toBeLessThan(5_000)
        if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 (408|400)/)
      }
    } finally {
      for (const c of clients) c.socket.destroy()
    }
  })
})
