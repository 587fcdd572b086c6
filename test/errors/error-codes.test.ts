import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { ERROR_CODES, entryOf, isErrorCode, isHttpErrorCode } from '../../src/error-codes.js'
import { AppError, ConfigError, HttpError, PipelineError } from '../../src/errors.js'

const entries = Object.entries(ERROR_CODES)
const httpCodes = Object.keys(ERROR_CODES).filter(isHttpErrorCode)

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

describe('the error code table', () => {
  it('gives every code a message a person can act on, and every HTTP code a 4xx or 5xx status', () => {
    expect(entries.length).toBeGreaterThan(20)
    for (const [code, entry] of entries) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/)
      expect(entry.message.length, code).toBeGreaterThan(10)
      if ('status' in entry) expect(entry.status >= 400 && entry.status <= 599, code).toBe(true)
    }
    for (const code of ['EMPTY_BODY', 'INVALID_EVENT', 'OVERLOADED', 'SHUTTING_DOWN', 'NOT_FOUND']) {
      expect(httpCodes).toContain(code)
    }
  })

  it('tells its own codes from anything else', () => {
    expect(isErrorCode('OVERLOADED')).toBe(true)
    expect(isErrorCode('BOT_NOT_FOUND')).toBe(false)
    expect(isErrorCode('toString')).toBe(false)
    expect(isErrorCode(undefined)).toBe(false)
    expect(isHttpErrorCode('OVERLOADED')).toBe(true)
    expect(isHttpErrorCode('HANDLER_FAILED')).toBe(false)
  })
})

describe('error classes', () => {
  it('take the status and the message from the table, keep the cause and the context', () => {
    const cause = new Error('disk full')
    const err = new HttpError('STORE_UNAVAILABLE', { cause, context: { eventId: 7 } })
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ name: 'HttpError', code: 'STORE_UNAVAILABLE', statusCode: 503, cause })
    expect(err.message).toBe(ERROR_CODES.STORE_UNAVAILABLE.message)
    expect(err.context).toEqual({ eventId: 7 })
    expect(new HttpError('TOO_DEEP', { message: 'JSON may nest at most 8 levels deep' }).message).toBe(
      'JSON may nest at most 8 levels deep',
    )
    expect('cause' in new HttpError('NOT_FOUND')).toBe(false)
  })

  it('carry the codes of their kind', () => {
    expect(new ConfigError(['B24_BOT_ID is missing'])).toMatchObject({ code: 'CONFIG_INVALID' })
    expect(new ConfigError(['B24_BOT_ID is missing']).message).toContain('B24_BOT_ID is missing')
    const failed = new PipelineError({ botId: 1, dialogId: 'chat5' }, new Error('boom'))
    expect(failed).toMatchObject({ code: 'HANDLER_FAILED', ids: { botId: 1, dialogId: 'chat5' } })
    expect(failed.context).toEqual({ botId: 1, dialogId: 'chat5' })
    expect(failed.cause).toEqual(new Error('boom'))
  })
})

describe('the central error handler', () => {
  async function build(): Promise<FastifyInstance> {
    app = await buildApp({
      logger: pino({ level: 'silent' }),
      bodyLimitBytes: 64,
      webhook: undefined,
      plugins: [
        async (a) => {
          a.get<{ Params: { code: string } }>('/throw/:code', async (request) => {
            const code = httpCodes.find((c) => c === request.params.code)
            if (code === undefined) throw new Error('not a code of the table')
            throw new HttpError(code)
          })
          a.post('/echo', async () => ({ ok: true }))
        },
      ],
    })
    return app
  }

  it('answers every HTTP code of the table with its status, the code and the message', async () => {
    const a = await build()
    for (const code of httpCodes) {
      const entry = entryOf(code)
      const res = await a.inject({ method: 'GET', url: `/throw/${code}` })
      expect(res.statusCode, code).toBe(entry.status)
      expect(res.json(), code).toEqual({ ok: false, error: code, message: entry.message })
      expect(res.headers['retry-after'], code).toBe(entry.status === 503 ? '5' : undefined)
    }
  })

  it("maps Fastify's own refusals onto codes of the table, with the table's status", async () => {
    const a = await build()
    const answers = [
      await a.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
      await a.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ a: 'x'.repeat(100) }),
      }),
    ]
    expect(answers.map((r) => r.json().error)).toEqual(['UNSUPPORTED_MEDIA_TYPE', 'BODY_TOO_LARGE'])
    for (const res of answers) {
      const code: unknown = res.json().error
      if (!isErrorCode(code)) throw new Error(`${String(code)} is not in the table`)
      expect(res.statusCode, code).toBe(entryOf(code).status)
    }
  })
})
