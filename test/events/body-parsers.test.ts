import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/errors.js'
import { parseFormBody } from '../../src/events/form-body.js'
import { parseJsonBody } from '../../src/events/json-body.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof HttpError ? `${err.statusCode} ${err.code}` : 'not an HttpError'
  }
  return undefined
}

describe('form bodies', () => {
  it('decodes percent-encoded PHP brackets into nested objects without a prototype', () => {
    const body = parseFormBody('data%5Bbot%5D%5Bid%5D=456&data%5BBOT%5D%5B7%5D%5BBOT_ID%5D=7&text=a+b%26c')
    expect(body).toEqual({ data: { bot: { id: '456' }, BOT: { '7': { BOT_ID: '7' } } }, text: 'a b&c' })
    expect(Object.getPrototypeOf(body)).toBeNull()
  })

  it('keeps __proto__ keys as plain data and never pollutes Object.prototype', () => {
    const body = parseFormBody(
      '__proto__%5Bpolluted%5D=1&a%5B__proto__%5D%5Bx%5D=2&constructor%5Bprototype%5D%5By%5D=3',
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).y).toBeUndefined()
    expect(typeof body).toBe('object')
  })

  it('reads + as a space, %2B as a plus, a key without = as empty, and skips empty pairs', () => {
    const body = parseFormBody('a=1+2%2B3&&flag&b%5B%5D=x&b%5B%5D=y&c=%EF%BF%BD')
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      a: '1 2+3',
      flag: '',
      b: { '0': 'x', '1': 'y' },
      c: '\uFFFD',
    })
  })

  it('keeps a leading ? as part of the first key, as PHP and qs do (only a URL query drops it)', () => {
    expect(Object.keys(parseFormBody('?a=1&b=2'))).toEqual(['?a', 'b'])
  })

  it.each([
    ['an empty body', '', '400 EMPTY_BODY'],
    ['a U+FFFD sent unencoded (invalid bytes decoded by the server)', 'a=x\uFFFDy', '400 MALFORMED_FORM'],
    ['invalid UTF-8 beside an encoded U+FFFD', 'a=%EF%BF%BD&b=%C3%28', '400 MALFORMED_FORM'],
    ['a lone % in a key', 'a%=1', '400 MALFORMED_FORM'],
    ['an encoded lone surrogate', 'a=%ED%A0%80', '400 MALFORMED_FORM'],
    ['invalid percent-encoding', 'a=%ZZ', '400 MALFORMED_FORM'],
    ['invalid UTF-8', 'a=%C3%28', '400 MALFORMED_FORM'],
    ['nesting deeper than 8', `a${'[x]'.repeat(12)}=1`, '400 TOO_DEEP'],
    [
      'more than 1000 parameters',
      Array.from({ length: 1001 }, (_, i) => `p${i}=1`).join('&'),
      '400 TOO_MANY_PARAMETERS',
    ],
  ])('rejects %s', (_name, raw, expected) => {
    expect(codeOf(() => parseFormBody(raw))).toBe(expected)
  })
})

describe('JSON bodies', () => {
  it.each([
    ['an empty body', ' ', '400 EMPTY_BODY'],
    ['malformed JSON', '{"event":', '400 MALFORMED_JSON'],
    ['a __proto__ key', '{"__proto__":{"x":1}}', '400 FORBIDDEN_KEY'],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"x":1}}}', '400 FORBIDDEN_KEY'],
    ['a constructor key', '{"data":{"constructor":"x"}}', '400 FORBIDDEN_KEY'],
    ['a __proto__ key inside a list', '{"data":[{"__proto__":{"x":1}}]}', '400 FORBIDDEN_KEY'],
    [
      'more than 1000 parameters',
      JSON.stringify({ data: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`p${i}`, '1'])) }),
      '400 TOO_MANY_PARAMETERS',
    ],
    [
      'more than 1000 list items',
      JSON.stringify({ list: Array.from({ length: 1001 }, () => 1) }),
      '400 TOO_MANY_PARAMETERS',
    ],
    [
      'more than 1000 empty objects',
      JSON.stringify(Array.from({ length: 1001 }, () => ({}))),
      '400 TOO_MANY_PARAMETERS',
    ],
    ['nesting deeper than 8', `${'['.repeat(20)}${']'.repeat(20)}`, '400 TOO_DEEP'],
    ['very deep nesting without overflowing the stack', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, '400 TOO_DEEP'],
  ])('rejects %s', (_name, raw, expected) => {
    expect(codeOf(() => parseJsonBody(raw))).toBe(expected)
  })
})

describe('JSON bodies, like form bodies', () => {
  it('decodes into objects without a prototype at every level, lists included', () => {
    const body = parseJsonBody('{"data":{"bot":{"id":456},"list":[{"a":"1"}]},"ok":true}')
    const prototypes: unknown[] = []
    const walk = (value: unknown) => {
      if (typeof value !== 'object' || value === null) return
      if (!Array.isArray(value)) prototypes.push(Object.getPrototypeOf(value))
      for (const child of Object.values(value)) walk(child)
    }
    walk(body)
    expect(prototypes).toEqual([null, null, null, null])
    expect(JSON.parse(JSON.stringify(body))).toEqual({ data: { bot: { id: 456 }, list: [{ a: '1' }] }, ok: true })
  })

  it('takes exactly 1000 parameters and 8 nested containers (the root counts as one)', () => {
    const wide = JSON.stringify({ data: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`p${i}`, i])) })
    expect(codeOf(() => parseJsonBody(wide))).toBeUndefined()
    const deep = `${'{"a":'.repeat(8)}1${'}'.repeat(8)}`
    expect(codeOf(() => parseJsonBody(deep))).toBeUndefined()
    expect(codeOf(() => parseJsonBody(`{"b":${deep}}`))).toBe('400 TOO_DEEP')
  })

  it('applies the limits it is given', () => {
    expect(codeOf(() => parseJsonBody('{"a":1,"b":2,"c":3}', { depth: 8, parameterLimit: 2 }))).toBe(
      '400 TOO_MANY_PARAMETERS',
    )
    expect(codeOf(() => parseJsonBody('{"a":{"b":1}}', { depth: 1, parameterLimit: 10 }))).toBe('400 TOO_DEEP')
    expect(codeOf(() => parseJsonBody('{"a":{"b":1}}', 2))).toBeUndefined()
  })
})
