/**
 * Property-based tests of the body parsers and the event parser: whatever arrives, they answer with a value or a
 * 4xx `HttpError` (never another exception), and nothing they do reaches `Object.prototype`.
 */
import { messageAddEvent, phpHttpBuildQuery, phpUrlEncode } from '@b24-autoread/portal-sim/events'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpError } from '../../src/errors.js'
import { parseFormBody } from '../../src/events/form-body.js'
import { parseJsonBody } from '../../src/events/json-body.js'
import { parseEvent } from '../../src/events/parse-event.js'
import { messageSpec } from '../support/message-arbitrary.js'

const RUNS = 400

/** Keys an attacker would try, plain and percent-encoded. */
const HOSTILE_SEGMENTS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '']

const segment = fc.oneof(
  fc.constantFrom(...HOSTILE_SEGMENTS),
  fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/),
  fc.nat(20).map(String),
  fc.string({ maxLength: 6 }),
)

/** A form key with brackets: `a[b][c]`, `a[]`, `a[b`, `a]b[`, percent-encoded or not. */
const bracketKey = fc
  .tuple(segment, fc.array(segment, { maxLength: 12 }), fc.boolean(), fc.constantFrom('', '[', ']', '[[', ']]', '[]'))
  .map(([head, rest, encode, tail]) => {
    const key = `${head}${rest.map((s) => `[${s}]`).join('')}${tail}`
    return encode ? phpUrlEncode(key) : key
  })

const formValue = fc.oneof(fc.string({ maxLength: 10 }).map(phpUrlEncode), fc.string({ maxLength: 10 }))

const formBody = fc
  .array(fc.tuple(bracketKey, formValue, fc.boolean()), { maxLength: 30 })
  .map((pairs) => pairs.map(([k, v, hasValue]) => (hasValue ? `${k}=${v}` : k)).join('&'))

const bytesAsLatin1 = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'))
const bytesAsUtf8 = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('utf8'))
const badPercent = fc
  .array(fc.constantFrom('%', '%E0', '%E0%A4', '%FF', '%C3%28', '%ZZ', '%%', '%5', 'a', '=', '&', '[', ']', '+'), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''))

function prototypeSnapshot(): string[] {
  return [
    ...Object.getOwnPropertyNames(Object.prototype),
    ...Object.getOwnPropertyNames(Array.prototype),
    ...Object.getOwnPropertyNames(Function.prototype),
  ].sort()
}
const cleanPrototype = prototypeSnapshot()

afterEach(() => {
  expect(prototypeSnapshot()).toEqual(cleanPrototype)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})

/** Runs `parse`; passes when it returns or throws a 4xx HttpError, fails on anything else. */
function onlyValueOr4xx(parse: () => unknown): unknown {
  try {
    return parse()
  } catch (err) {
    if (err instanceof HttpError && err.statusCode >= 400 && err.statusCode < 500) return undefined
    throw err
  }
}

describe('form body parser', () => {
  it('answers any string with an object or a 4xx, never another exception', () => {
    fc.assert(
      fc.property(fc.oneof(formBody, bytesAsLatin1, bytesAsUtf8, badPercent, fc.string()), (raw) => {
        const value = onlyValueOr4xx(() => parseFormBody(raw))
        if (value !== undefined) expect(typeof value).toBe('object')
      }),
      { numRuns: RUNS * 3 },
    )
  })

  it('never lets __proto__, constructor or prototype keys change a prototype', () => {
    const hostile = fc
      .tuple(
        fc.constantFrom(...HOSTILE_SEGMENTS.slice(0, 3)),
        fc.array(fc.constantFrom(...HOSTILE_SEGMENTS), { maxLength: 4 }),
      )
      .map(([head, rest]) => `${head}${rest.map((s) => `[${s}]`).join('')}[polluted]=yes`)
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 5 }), fc.boolean(), (pairs, encode) => {
        const raw = pairs.map((p) => (encode ? p.replace(/\[/g, '%5B').replace(/\]/g, '%5D') : p)).join('&')
        const value = onlyValueOr4xx(() => parseFormBody(raw))
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
        if (value !== undefined) expect(Object.getPrototypeOf(value)).toBe(null)
      }),
      { numRuns: RUNS },
    )
  })

  it('refuses nesting deeper than the limit instead of flattening it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 5_000 }), (depth) => {
        const raw = `a${'[b]'.repeat(depth)}=1`
        expect(() => parseFormBody(raw)).toThrow(expect.objectContaining({ statusCode: 400, code: 'TOO_DEEP' }))
      }),
      { numRuns: 50 },
    )
  })

  it('refuses 10,000 parameters with 400 TOO_MANY_PARAMETERS', () => {
    const raw = Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&')
    expect(() => parseFormBody(raw)).toThrow(expect.objectContaining({ statusCode: 400, code: 'TOO_MANY_PARAMETERS' }))
  })

  it('decodes what PHP http_build_query encodes, for any event text and ids', () => {
    fc.assert(
      fc.property(messageSpec(200), (spec) => {
        const { botId, dialogId, messageId } = spec
        const wire = messageAddEvent(spec)
        const parsed = parseEvent(parseFormBody(phpHttpBuildQuery(wire)))
        expect(parsed.ok).toBe(true)
        if (!parsed.ok || parsed.event.type !== 'ONIMBOTV2MESSAGEADD') throw new Error('not a message event')
        expect(parsed.event.bot.id).toBe(botId)
        expect(parsed.event.chat.dialogId).toBe(dialogId)
        expect(parsed.event.message.id).toBe(messageId)
        expect(parsed.event.message.text).toBe(spec.text)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('JSON body parser', () => {
  it('answers any string with a value or a 4xx', () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.string(),
      bytesAsUtf8,
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
      fc.nat(100_000).map((n) => '['.repeat(n)),
      fc.nat(20_000).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    )
    fc.assert(
      fc.property(jsonish, (raw) => {
        onlyValueOr4xx(() => parseJsonBody(raw))
      }),
      { numRuns: RUNS * 2 },
    )
  })

  it('refuses __proto__ and constructor.prototype keys at any depth', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}'),
        fc.nat(5),
        (hostile, depth) => {
          const raw = `${'{"data":'.repeat(depth)}${hostile}${'}'.repeat(depth)}`
          expect(() => parseJsonBody(raw)).toThrow(expect.objectContaining({ statusCode: 400, code: 'FORBIDDEN_KEY' }))
        },
      ),
      { numRuns: 50 },
    )
  })

  it('refuses nesting deeper than the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 50_000 }), fc.boolean(), (depth, arrays) => {
        const raw = arrays
          ? `${'['.repeat(depth)}${']'.repeat(depth)}`
          : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
        expect(() => parseJsonBody(raw)).toThrow(expect.objectContaining({ statusCode: 400 }))
      }),
      { numRuns: 50 },
    )
  })
})

describe('event parser', () => {
  it('never throws: any decoded body is an event or a list of problems', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 6, withNullPrototype: true, withObjectString: true }), (body) => {
        const result = parseEvent(body)
        if (!result.ok) expect(result.problems.length).toBeGreaterThan(0)
      }),
      { numRuns: RUNS * 2 },
    )
  })

  it('reports a problem, never throws, when any field of a valid event is replaced by junk', () => {
    const wire = messageAddEvent({ botId: 7, dialogId: 'chat3', messageId: 30 }) as unknown as Record<string, unknown>
    const paths: string[][] = []
    const walk = (node: unknown, path: string[]) => {
      if (typeof node !== 'object' || node === null) return paths.push(path)
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key])
    }
    walk(wire, [])
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.anything({ maxDepth: 3 }), (path, junk) => {
        const copy = structuredClone(wire)
        let node = copy as Record<string, unknown>
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
        node[path.at(-1) as string] = junk
        const result = parseEvent(copy)
        if (result.ok && result.event.type === 'ONIMBOTV2MESSAGEADD') {
          expect(Number.isSafeInteger(result.event.message.id) && result.event.message.id > 0).toBe(true)
          expect(Number.isSafeInteger(result.event.bot.id) && result.event.bot.id > 0).toBe(true)
          expect(typeof result.event.chat.dialogId).toBe('string')
        }
      }),
      { numRuns: RUNS },
    )
  })
})
