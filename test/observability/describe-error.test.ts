import { describe, expect, it } from 'vitest'
import { RestCallError } from '../../src/bitrix/rest-call-error.js'
import { HttpError } from '../../src/errors.js'
import { describeError } from '../../src/observability/describe-error.js'
import { createLogger, SecretScrubber } from '../../src/observability/logger.js'
import { memoryLogLines } from '../support/fake-port.js'

describe('describeError: the one shape of a logged error', () => {
  it('keeps the name, the code, the message and the causes, and nothing else', () => {
    const axiosLike = Object.assign(new Error('Request failed'), {
      code: 'ECONNRESET',
      config: { url: 'https://portal/rest/1/secret/', params: { botToken: 'x' } },
      response: { data: '<html>' },
    })
    const err = new HttpError('STORE_UNAVAILABLE', { cause: axiosLike })
    expect(describeError(err)).toEqual({
      type: 'HttpError',
      code: 'STORE_UNAVAILABLE',
      message: 'The event could not be stored; retry later',
      cause: { type: 'Error', code: 'ECONNRESET', message: 'Request failed' },
    })
  })

  it('describes thrown non-errors, cuts long messages and stops after three causes', () => {
    expect(describeError('plain')).toEqual({ type: 'string', message: 'plain' })
    expect(describeError(undefined)).toEqual({ type: 'undefined', message: 'undefined' })
    expect(describeError(new Error('x'.repeat(1000))).message).toHaveLength(300)
    let deep: Error = new Error('0')
    for (let i = 1; i <= 6; i++) deep = new Error(String(i), { cause: deep })
    const described = describeError(deep)
    expect(described.cause?.cause?.cause?.message).toBe('3')
    expect(described.cause?.cause?.cause?.cause).toBeUndefined()
  })

  it('passes an already described error through', () => {
    expect(describeError({ type: 'FastifyError', code: 'FST_ERR_X', secret: 'no' })).toEqual({
      type: 'FastifyError',
      code: 'FST_ERR_X',
      message: '',
    })
  })

  it('is what the service logger writes under err, scrubbed like every line', () => {
    const scrubber = new SecretScrubber()
    scrubber.add('access-token-123456')
    const sink = memoryLogLines()
    const log = createLogger({ level: 'info', scrubber, destination: sink })
    const refused = new RestCallError({ code: 'invalid_grant', status: 401, message: 'bad access-token-123456' })
    log.warn({ err: refused }, 'could not adopt newer OAuth tokens')
    log.error(new Error('direct'))
    log.flush()
    const [first, second] = sink.lines.map((l) => JSON.parse(l))
    expect(first.err).toEqual({ type: 'RestCallError', code: 'invalid_grant', message: 'bad [REDACTED]' })
    expect(second.err).toEqual({ type: 'Error', message: 'direct' })
  })
})
