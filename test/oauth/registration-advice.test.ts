import { describe, expect, it } from 'vitest'
import { registrationAdvice } from '../../src/tenants/bot-registrations.js'

const GENERIC = registrationAdvice('SOME_UNKNOWN_CODE')

describe('advice for a refused bot registration', () => {
  it('names what to do for a code it knows', () => {
    expect(registrationAdvice('BOT_LIMIT_EXCEEDED')).toMatch(/remove one there/)
    expect(GENERIC).toMatch(/^retried with backoff/)
  })

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers the generic advice (a sentence) for a code "%s" that names an object property',
    (code) => {
      const advice = registrationAdvice(code)
      expect(typeof advice).toBe('string')
      expect(advice).toBe(GENERIC)
      // The advice goes into logs and /readyz as JSON: it must survive serialisation as text.
      expect(JSON.parse(JSON.stringify({ advice }))).toEqual({ advice: GENERIC })
    },
  )
})
