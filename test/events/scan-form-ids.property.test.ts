import { messageAddEvent, phpHttpBuildQuery, phpUrlEncode, readFixture } from '@b24-autoread/portal-sim/events'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/errors.js'
import { type FormObject, parseFormBody } from '../../src/events/form-body.js'
import { SCANNED_PATHS, type ScannedField, scanFormIds } from '../../src/events/scan-form-ids.js'
import { messageSpec } from '../support/message-arbitrary.js'

const FIELDS = Object.keys(SCANNED_PATHS).filter((f): f is ScannedField => f in SCANNED_PATHS)

/** What the full decoder puts at each scanned path: the string, or undefined when absent or not a string. */
function expectedIds(body: FormObject): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const field of FIELDS) {
    let node: string | FormObject | undefined = body
    for (const segment of SCANNED_PATHS[field]) node = typeof node === 'object' ? node[segment] : undefined
    out[field] = typeof node === 'string' ? node : undefined
  }
  return out
}

function agrees(raw: string): void {
  let full: FormObject
  try {
    full = parseFormBody(raw)
  } catch {
    // The full decoder refuses it: the scan may refuse it too or let the full decode drop it later.
    try {
      scanFormIds(raw)
    } catch (err) {
      expect(err).toBeInstanceOf(HttpError)
    }
    return
  }
  expect(scanFormIds(raw)).toEqual(expectedIds(full))
}

/** Keys near the scanned ones: a scanned path, a path nested under one, or noise; written several ways. */
const nearKey = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...FIELDS.map((f) => [...SCANNED_PATHS[f]])),
      fc
        .tuple(fc.constantFrom(...FIELDS.map((f) => [...SCANNED_PATHS[f]])), fc.constantFrom('x', '', '0', 'id'))
        .map(([path, extra]) => [...path, extra]),
      fc.array(fc.constantFrom('data', 'bot', 'auth', 'id', 'x', '__proto__', ''), { minLength: 1, maxLength: 4 }),
    ),
    fc.constantFrom('php', 'plain', 'lower', 'full', 'broken'),
  )
  .map(([path, style]) => {
    const [head, ...rest] = path
    const bracketed = `${head}${rest.map((s) => `[${s}]`).join('')}`
    if (style === 'plain') return bracketed
    if (style === 'lower') return bracketed.replaceAll('[', '%5b').replaceAll(']', '%5d')
    if (style === 'full') return encodeURIComponent(bracketed).replaceAll('a', '%61')
    if (style === 'broken') return `${phpUrlEncode(bracketed)}%5B`
    return phpUrlEncode(bracketed)
  })
const value = fc.oneof(
  fc.string({ maxLength: 8 }).map(phpUrlEncode),
  fc.constantFrom('', '%ZZ', '%C3%28', '7', 'chat5'),
)
const nearBody = fc
  .array(fc.tuple(nearKey, value, fc.boolean()), { minLength: 1, maxLength: 20 })
  .map((pairs) => pairs.map(([k, v, withValue]) => (withValue ? `${k}=${v}` : k)).join('&'))

describe('form id scan', () => {
  it('reads from every real-shaped event exactly what the full decoder reads', () => {
    fc.assert(
      fc.property(messageSpec(100), (spec) => {
        const { botId, dialogId, messageId } = spec
        const raw = phpHttpBuildQuery(messageAddEvent(spec))
        const ids = scanFormIds(raw)
        expect(ids).toEqual(expectedIds(parseFormBody(raw)))
        expect([ids.botId, ids.chatDialogId, ids.messageId]).toEqual([String(botId), dialogId, String(messageId)])
      }),
      { numRuns: 200 },
    )
  })

  it('agrees with the full decoder on every body it accepts, however the keys are written or nested', () => {
    fc.assert(fc.property(nearBody, agrees), { numRuns: 2000 })
  })

  it('agrees with the full decoder on the captured fixtures', () => {
    for (const name of ['v2-message-add-group', 'v2-message-add-private', 'v2-join-chat', 'v1-message-add']) {
      agrees(readFixture(`${name}.form`))
    }
  })

  it('refuses what the full decoder refuses before reading: empty, too many parameters, bad scanned values', () => {
    const code = (raw: string) => {
      try {
        scanFormIds(raw)
      } catch (err) {
        return err instanceof HttpError ? err.code : 'not an HttpError'
      }
      return undefined
    }
    expect(code(' ')).toBe('EMPTY_BODY')
    expect(code(Array.from({ length: 1001 }, (_, i) => `p${i}=1`).join('&'))).toBe('TOO_MANY_PARAMETERS')
    expect(code('data%5Bbot%5D%5Bid%5D=%C3%28')).toBe('MALFORMED_FORM')
    expect(code('a=x\uFFFD')).toBe('MALFORMED_FORM')
  })
})
