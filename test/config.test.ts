import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { ConfigError } from '../src/errors.js'

const valid = {
  B24_WEBHOOK_URL: 'https://example.bitrix24.com/rest/1/hooksecret123/',
  B24_BOT_ID: '456',
  B24_BOT_TOKEN: 'bot-token-abc',
  B24_APPLICATION_TOKEN: 'app-token-xyz',
}

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig(valid)
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'info',
      botId: 456,
      rateBurst: 50,
      ratePerSec: 2,
      handlerTimeoutMs: 5_000,
      callReserve: 0.1,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('reports every problem at once, by variable name', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', B24_BOT_ID: '-3' })
    expect(problems.join('\n')).toMatch(/PORT/)
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/)
    expect(problems.join('\n')).toMatch(/B24_WEBHOOK_URL is required/)
    expect(problems.join('\n')).toMatch(/B24_BOT_ID must be a positive integer/)
    expect(problems.join('\n')).toMatch(/B24_BOT_TOKEN is required/)
    expect(problems.join('\n')).toMatch(/B24_APPLICATION_TOKEN .*B24_EVENTS_SECRET/)
    expect(problems.length).toBeGreaterThanOrEqual(6)
  })

  it('reads HANDLER_TIMEOUT_MS and refuses a zero or non-integer value', () => {
    expect(loadConfig({ ...valid, HANDLER_TIMEOUT_MS: '250' }).handlerTimeoutMs).toBe(250)
    expect(problemsOf({ ...valid, HANDLER_TIMEOUT_MS: '0' }).join('\n')).toMatch(
      /HANDLER_TIMEOUT_MS must be an integer/,
    )
    expect(problemsOf({ ...valid, HANDLER_TIMEOUT_MS: '2s' }).join('\n')).toMatch(/HANDLER_TIMEOUT_MS/)
  })

  it('refuses to start with neither an application token nor an events secret', () => {
    const { B24_APPLICATION_TOKEN: _, ...rest } = valid
    expect(problemsOf(rest)).toEqual([expect.stringContaining('without either, anyone could post events')])
    expect(problemsOf({ ...rest, B24_EVENTS_SECRET: 'a-long-enough-secret-123' })).toEqual([])
  })

  it('requires an https incoming-webhook URL and never repeats its secret', () => {
    const problems = problemsOf({ ...valid, B24_WEBHOOK_URL: 'http://example.bitrix24.com/rest/1/hooksecret123/' })
    expect(problems).toEqual([expect.stringContaining('must use https://')])
    const malformed = problemsOf({ ...valid, B24_WEBHOOK_URL: 'https://example.bitrix24.com/hooksecret123' })
    expect(malformed.join()).toContain('must look like')
    expect([...problems, ...malformed].join()).not.toContain('hooksecret123')
  })

  it('rejects a short events secret', () => {
    expect(problemsOf({ ...valid, B24_EVENTS_SECRET: 'short' })).toEqual([
      expect.stringContaining('B24_EVENTS_SECRET must be'),
    ])
  })

  it('reads the Redis settings, and names what is wrong without repeating a password', () => {
    expect(loadConfig(valid)).toMatchObject({ redisUrl: undefined, redisKeyPrefix: 'b24ar:' })
    const url = 'rediss://app:s3cret-pass@redis.internal:6380/2'
    expect(loadConfig({ ...valid, REDIS_URL: url, REDIS_KEY_PREFIX: 'blue:' })).toMatchObject({
      redisUrl: url,
      redisKeyPrefix: 'blue:',
    })
    const problems = problemsOf({
      ...valid,
      REDIS_URL: 'http://app:s3cret-pass@redis.internal:6379/0',
      REDIS_KEY_PREFIX: 'has space',
    })
    expect(problems).toEqual([
      expect.stringContaining('REDIS_URL must start with redis:// or rediss://'),
      expect.stringContaining('REDIS_KEY_PREFIX must be'),
    ])
    expect(problemsOf({ ...valid, REDIS_URL: 'redis://h:6379/zero' })).toEqual([
      expect.stringContaining('database number'),
    ])
    expect(problems.join()).not.toContain('s3cret-pass')
  })

  it('takes STATE_STORE=redis only with a REDIS_URL, and keeps LMDB the default', () => {
    expect(loadConfig(valid).stateStore).toBe('lmdb')
    const url = 'redis://:pw-123456@127.0.0.1:6390/0'
    expect(loadConfig({ ...valid, STATE_STORE: 'redis', REDIS_URL: url }).stateStore).toBe('redis')
    expect(problemsOf({ ...valid, STATE_STORE: 'redis' })).toEqual([
      expect.stringContaining('REDIS_URL is required with STATE_STORE=redis'),
    ])
    expect(problemsOf({ ...valid, STATE_STORE: 'paper' })).toEqual([
      expect.stringContaining('STATE_STORE must be one of lmdb, redis, memory'),
    ])
  })
})
