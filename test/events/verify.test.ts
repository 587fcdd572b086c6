import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { presentedApplicationToken, safeEqual } from '../../src/events/verify.js'

describe('safeEqual', () => {
  it('accepts the expected secret and refuses any other string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (presented, expected) => {
        expect(safeEqual(presented, expected)).toBe(presented === expected)
        expect(safeEqual(expected, expected)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a prefix, an extension and a one-character change of the secret', () => {
    const secret = '831c76b092f9f135d9b6b36c3a720757'
    expect(safeEqual(secret.slice(0, -1), secret)).toBe(false)
    expect(safeEqual(`${secret}0`, secret)).toBe(false)
    expect(safeEqual(`${secret.slice(0, -1)}8`, secret)).toBe(false)
    expect(safeEqual(secret, secret)).toBe(true)
  })

  it('keeps answering right for more expected secrets than it keeps digests of', () => {
    const secrets = Array.from({ length: 200 }, (_, i) => `tenant-token-${i}`)
    for (let round = 0; round < 2; round++) {
      for (const [i, secret] of secrets.entries()) {
        expect(safeEqual(secret, secret)).toBe(true)
        expect(safeEqual(secrets[(i + 1) % secrets.length] as string, secret)).toBe(false)
      }
    }
  })
})

describe('presentedApplicationToken', () => {
  it('reads the top-level auth[application_token] only', () => {
    expect(presentedApplicationToken({ auth: { application_token: 'abc' } })).toBe('abc')
    expect(presentedApplicationToken({ data: { bot: { auth: { application_token: 'abc' } } } })).toBeUndefined()
    expect(presentedApplicationToken('auth')).toBeUndefined()
  })
})
