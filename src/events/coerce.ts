/**
 * Explicit coercion of webhook values. Webhook mode sends every scalar as a string (`"789"`, `"1"`/`"0"`, `""`
 * for false/null) and omits null keys; fetch mode and JSON bodies send real types. Each reader accepts both.
 */

/** A plain record read from an untrusted body. */
export type Fields = Readonly<Record<string, unknown>>

/** Collects field problems so one request reports all of them. */
export class FieldErrors {
  readonly list: string[] = []
  add(path: string, problem: string): void {
    if (this.list.length < 10) this.list.push(`${path} ${problem}`)
  }
}

/** The object at `key`, or undefined when absent or not an object. */
export function objectAt(obj: Fields | undefined, key: string): Fields | undefined {
  const v = obj?.[key]
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : undefined
}

/** A string value (numbers are stringified); undefined when absent. */
export function optString(obj: Fields | undefined, key: string): string | undefined {
  const v = obj?.[key]
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

/** A non-negative safe integer from `"789"` or `789`; undefined when absent or empty, NaN when not an integer. */
export function optInt(obj: Fields | undefined, key: string): number | undefined {
  const v = obj?.[key]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN
  return typeof v === 'string' ? intFromText(v) : Number.NaN
}

/** A non-negative safe integer written in decimal digits (as webhook mode sends ids); NaN for anything else. */
export function intFromText(text: string): number {
  if (!/^\d{1,16}$/.test(text)) return Number.NaN
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : Number.NaN
}

/** A required positive integer id; reports a problem and returns 0 when missing or malformed. */
export function reqId(obj: Fields | undefined, key: string, path: string, errors: FieldErrors): number {
  const n = optInt(obj, key)
  if (n === undefined) errors.add(path, 'is required')
  else if (Number.isNaN(n) || n < 1) errors.add(path, 'must be a positive integer')
  else return n
  return 0
}

/** A boolean from `true`/`false`, `"1"`/`"0"`/`""`, `"Y"`/`"N"`, `1`/`0`; `fallback` when absent. */
export function optBool(obj: Fields | undefined, key: string, fallback = false): boolean {
  const v = obj?.[key]
  if (typeof v === 'boolean') return v
  if (v === 1 || v === '1' || v === 'Y' || v === 'true') return true
  if (v === 0 || v === '0' || v === '' || v === 'N' || v === 'false') return false
  return fallback
}

/** A dialog id as Bitrix24 writes it: `chat<id>`, `sg<id>` or a user id. */
export function isDialogId(v: string): boolean {
  return /^(?:chat|sg)?[1-9]\d{0,15}$/.test(v)
}
