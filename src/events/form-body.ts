/**
 * Decodes `application/x-www-form-urlencoded` bodies as PHP's `http_build_query` writes them
 * (`data%5Bbot%5D%5Bid%5D=456`), with explicit limits: nesting depth, parameter count, strict percent-encoding
 * and UTF-8. Each key and value is decoded by the platform's `decodeURIComponent` (only when it holds a `%` or a
 * `+`); this file splits the pairs and nests PHP's `a[b][c]` keys. Every object has no prototype, so `__proto__`,
 * `constructor` and `prototype` keys are plain data.
 *
 * Why not `qs` (the usual choice, and the oracle of this decoder's property test): on a real 2.4 KB Bitrix24
 * body it took 150-330 µs, several times the whole rest of the intake. `URLSearchParams` plus nesting took ~50 µs
 * on a quiet machine; splitting by hand and decoding with `decodeURIComponent` takes about a third less again
 * (it also refuses bad percent-encoding and UTF-8 itself, where `URLSearchParams` needed two extra passes).
 * BENCHMARKS.md has the measurements.
 */
import { HttpError } from '../errors.js'

/** Limits for decoding a form body. */
export interface FormLimits {
  readonly depth: number
  readonly parameterLimit: number
}

/** Defaults that fit every documented event (the deepest is `data[message][params][FILE_ID][0]`). */
export const DEFAULT_FORM_LIMITS: FormLimits = { depth: 8, parameterLimit: 1000 }

/** A decoded form: nested null-prototype objects whose leaves are strings. */
export interface FormObject {
  [key: string]: string | FormObject
}

/** Decodes a form body into a null-prototype object, or throws a 400 `HttpError` saying what is wrong. */
export function parseFormBody(raw: string, limits: FormLimits = DEFAULT_FORM_LIMITS): FormObject {
  const root: FormObject = Object.create(null)
  forEachFormPair(raw, limits, (start, split, end) => {
    const key = decodeFormComponent(raw.slice(start, split))
    const value = split === end ? '' : decodeFormComponent(raw.slice(split + 1, end))
    assign(root, splitKey(key, limits.depth), detached(value))
  })
  return root
}

/**
 * Walks the `key=value` pairs of a form body, calling `visit(start, split, end)` with the pair's bounds in `raw`
 * (`split` is the `=`, or `end` when there is none). Throws the 400s every reader of a form body shares: an empty
 * body, bytes that were not UTF-8, more than `limits.parameterLimit` pairs.
 */
export function forEachFormPair(
  raw: string,
  limits: FormLimits,
  visit: (start: number, split: number, end: number) => void,
): void {
  if (raw.trim() === '')
    throw new HttpError('EMPTY_BODY', { message: 'The request body is empty; send the event fields' })
  // Fastify decodes the body as UTF-8 and turns invalid bytes into U+FFFD: one sent unencoded means a broken body.
  if (raw.includes('\uFFFD')) throw malformed()
  let count = 0
  let start = 0
  while (start <= raw.length) {
    let end = raw.indexOf('&', start)
    if (end < 0) end = raw.length
    if (end > start) {
      if (++count > limits.parameterLimit) {
        throw new HttpError('TOO_MANY_PARAMETERS', {
          message: `A form body may have at most ${limits.parameterLimit} parameters`,
        })
      }
      const eq = raw.indexOf('=', start)
      visit(start, eq < 0 || eq > end ? end : eq, end)
    }
    start = end + 1
  }
}

/**
 * Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` bytes are UTF-8. A `%` not
 * followed by two hex digits, or bytes that are not UTF-8, make the body malformed (`decodeURIComponent` refuses
 * both, which the WHATWG decoder would have let through as literal text or U+FFFD).
 */
export function decodeFormComponent(text: string): string {
  const plus = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    throw malformed()
  }
}

/**
 * A copy of `value` that shares no memory with the body. A value that needed no decoding is a slice of the body,
 * and V8 keeps a whole parent string alive for any slice of it: a value kept for long (a dedupe key with the portal's
 * member_id, a dialog id in the scheduler) would pin the entire request body. Short strings are copied by V8 anyway.
 */
export function detached(value: string): string {
  return value.length < 13 ? value : ` ${value}`.slice(1)
}

/** The 400 for a body with invalid percent-encoding or UTF-8. */
export function malformed(): HttpError {
  return new HttpError('MALFORMED_FORM', { message: 'The form body has invalid percent-encoding or UTF-8' })
}

/**
 * Splits a PHP key: `data[bot][id]` -> `['data', 'bot', 'id']`; `a[]` appends (`''`). A key that is not of that
 * shape (no name before `[`, an unclosed bracket, text after `]`) is taken literally, as PHP and qs do.
 */
export function splitKey(key: string, depth: number): string[] {
  const open = key.indexOf('[')
  if (open <= 0) return [key]
  const path = [key.slice(0, open)]
  let i = open
  while (i < key.length) {
    if (key[i] !== '[') return [key]
    const close = key.indexOf(']', i + 1)
    if (close < 0) return [key]
    path.push(key.slice(i + 1, close))
    i = close + 1
  }
  if (path.length - 1 > depth) {
    throw new HttpError('TOO_DEEP', { message: `Form keys may nest at most ${depth} levels deep` })
  }
  return path
}

/** Sets `value` at `path`; a later scalar replaces an earlier one (as PHP does), structure is never overwritten. */
function assign(root: FormObject, path: readonly string[], value: string): void {
  let node = root
  for (let i = 0; i < path.length - 1; i++) {
    const segment = keyIn(node, path[i] as string)
    const next = node[segment]
    if (typeof next === 'object') {
      node = next
    } else {
      const child: FormObject = Object.create(null)
      node[segment] = child
      node = child
    }
  }
  const last = keyIn(node, path[path.length - 1] as string)
  if (typeof node[last] !== 'object') node[last] = value
}

/** `[]` appends: the next free index of that object. */
function keyIn(node: FormObject, segment: string): string {
  return segment === '' ? String(Object.keys(node).length) : segment
}
