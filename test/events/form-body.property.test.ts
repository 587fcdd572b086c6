import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import fc from 'fast-check'
import qs from 'qs'
import { describe, expect, it } from 'vitest'
import { parseFormBody } from '../../src/events/form-body.js'

/** Keys as real events have them, plus characters that must survive encoding; no brackets, no prototype names. */
const key = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019_-. &=+%/?#:;,~*\'()@$!"é€я😀'), minLength: 1, maxLength: 8 })
  .filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k))
const leaf = fc.string({ unit: fc.constantFrom(...'ab 0&=+%[]#?;é€я😀\n'), maxLength: 12 })
const tree: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, leaf, tie('node')), { minKeys: 1, maxKeys: 5 }),
})).node as fc.Arbitrary<Record<string, unknown>>

const plain = (value: unknown) => JSON.parse(JSON.stringify(value))

describe('form decoder', () => {
  it('decodes whatever PHP http_build_query encodes exactly as qs does', () => {
    fc.assert(
      fc.property(tree, (data) => {
        const body = phpHttpBuildQuery(data)
        fc.pre(body.length > 0)
        const expected = qs.parse(body, { depth: 20, parseArrays: false, plainObjects: true, parameterLimit: 100_000 })
        expect(plain(parseFormBody(body, { depth: 20, parameterLimit: 100_000 }))).toEqual(plain(expected))
      }),
      { numRuns: 300 },
    )
  })

  it('round-trips the structure of every generated event body', () => {
    fc.assert(
      fc.property(tree, (data) => {
        const body = phpHttpBuildQuery(data)
        fc.pre(body.length > 0)
        const pruned = JSON.parse(
          JSON.stringify(data, (_k, v) => (v && typeof v === 'object' && Object.keys(v).length === 0 ? undefined : v)),
        )
        expect(plain(parseFormBody(body, { depth: 20, parameterLimit: 100_000 }))).toEqual(pruned)
      }),
      { numRuns: 300 },
    )
  })
})
