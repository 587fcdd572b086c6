import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/errors.js'
import { parseJsonBody } from '../../src/events/json-body.js'

const limits = { depth: 8, parameterLimit: 1000 }
const key = fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__' && k !== 'constructor')
/** JSON values within the limits (at most 6 levels, a few hundred leaves), forbidden keys left out. */
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('any'), { maxLength: 4 }),
    fc.dictionary(key, tie('any'), { maxKeys: 4 }),
  ),
})).any

/** Every non-list object in `value`, however deep. */
function objectsIn(value: unknown, out: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return out
  if (!Array.isArray(value)) out.push(value)
  for (const child of Object.values(value)) objectsIn(child, out)
  return out
}

/** Puts `{ [forbidden]: 1 }` at a path of `steps` levels into a body. */
function hide(forbidden: string, steps: readonly string[]): string {
  return steps.reduceRight((inner, step) => `{${JSON.stringify(step)}:${inner}}`, `{"${forbidden}":{"x":1}}`)
}

describe('JSON decoder', () => {
  it('decodes any body within the limits to the value JSON.parse gives, with no object keeping a prototype', () => {
    fc.assert(
      fc.property(value, (data) => {
        const raw = JSON.stringify(data)
        const decoded = parseJsonBody(raw, limits)
        expect(JSON.parse(JSON.stringify(decoded))).toEqual(JSON.parse(raw))
        for (const object of objectsIn(decoded)) expect(Object.getPrototypeOf(object)).toBeNull()
      }),
      { numRuns: 300 },
    )
  })

  it('refuses __proto__ and constructor keys at any depth, whatever surrounds them', () => {
    fc.assert(
      fc.property(fc.constantFrom('__proto__', 'constructor'), fc.array(key, { maxLength: 6 }), (forbidden, steps) => {
        expect(() => parseJsonBody(hide(forbidden, steps), limits)).toThrow(
          expect.objectContaining({ statusCode: 400, code: 'FORBIDDEN_KEY' }),
        )
        expect(({} as Record<string, unknown>).x).toBeUndefined()
      }),
      { numRuns: 100 },
    )
  })

  it('accepts a body of n leaf values exactly when n is within the parameter limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), fc.boolean(), (n, limit, list) => {
        const leaves = Array.from({ length: n }, (_, i) => i)
        const raw = JSON.stringify(
          list ? { data: leaves } : { data: Object.fromEntries(leaves.map((i) => [`k${i}`, i])) },
        )
        let code: string | undefined
        try {
          parseJsonBody(raw, { depth: 8, parameterLimit: limit })
        } catch (err) {
          code = err instanceof HttpError ? err.code : 'not an HttpError'
        }
        expect(code).toBe(n > limit ? 'TOO_MANY_PARAMETERS' : undefined)
      }),
      { numRuns: 200 },
    )
  })

  it('accepts nesting exactly when it is within the depth limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        (levels, depth, lists) => {
          const raw = lists
            ? `${'['.repeat(levels)}1${']'.repeat(levels)}`
            : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`
          let code: string | undefined
          try {
            parseJsonBody(raw, { depth, parameterLimit: 1000 })
          } catch (err) {
            code = err instanceof HttpError ? err.code : 'not an HttpError'
          }
          expect(code).toBe(levels > depth ? 'TOO_DEEP' : undefined)
        },
      ),
      { numRuns: 200 },
    )
  })
})
