/**
 * Decodes `application/json` bodies under the rules of form bodies (see `form-body.ts`): a nesting limit, a
 * parameter limit (one parameter per leaf value, as a form has one per `key=value` pair), objects without a
 * prototype, and no `__proto__` or `constructor` key anywhere (refused, so no such key reaches the event parser).
 */
import { HttpError } from '../errors.js'
import { DEFAULT_FORM_LIMITS, type FormLimits } from './form-body.js'

/** A decoded JSON value: scalars, arrays, and objects without a prototype. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject

/** A decoded JSON object; it has no prototype. */
export interface JsonObject {
  [key: string]: JsonValue
}

/** Keys refused in JSON bodies: the ones that reach a prototype through an ordinary object. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor'])

/**
 * Decodes a JSON body, or throws a 400 `HttpError` saying what is wrong. `limits` is the form limits (a number is
 * taken as the depth alone, with the default parameter limit). Containers nest at most `depth` deep, the root
 * counting as one.
 */
export function parseJsonBody(raw: string, limits: FormLimits | number = DEFAULT_FORM_LIMITS): JsonValue {
  const { depth, parameterLimit } = typeof limits === 'number' ? { ...DEFAULT_FORM_LIMITS, depth: limits } : limits
  if (raw.trim() === '')
    throw new HttpError('EMPTY_BODY', { message: 'The request body is empty; send the event as JSON' })
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (err) {
    throw new HttpError('MALFORMED_JSON', { message: 'The body is not valid JSON', cause: err })
  }
  const budget = { left: parameterLimit, depth, parameterLimit }
  return copy(parsed, 0, budget)
}

interface Budget {
  left: number
  readonly depth: number
  readonly parameterLimit: number
}

/**
 * A copy of `value` with null-prototype objects, checking the limits on the way. Recursion is bounded by `depth`
 * (V8's `JSON.parse` itself does not recurse, so hostile nesting is refused here without a stack overflow).
 */
function copy(value: unknown, level: number, budget: Budget): JsonValue {
  if (typeof value !== 'object' || value === null) {
    spend(budget)
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null
  }
  if (level >= budget.depth) {
    throw new HttpError('TOO_DEEP', { message: `JSON may nest at most ${budget.depth} levels deep` })
  }
  if (Array.isArray(value)) {
    if (value.length === 0) spend(budget)
    const list: JsonValue[] = []
    for (const item of value) list.push(copy(item, level + 1, budget))
    return list
  }
  const out: JsonObject = Object.create(null)
  const keys = Object.keys(value)
  if (keys.length === 0) spend(budget)
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new HttpError('FORBIDDEN_KEY', {
        message: `JSON keys "__proto__" and "constructor" are not allowed (found "${key}")`,
      })
    }
    out[key] = copy(Reflect.get(value, key), level + 1, budget)
  }
  return out
}

/** Counts one parameter (a leaf value or an empty container), refusing the body past the limit. */
function spend(budget: Budget): void {
  if (--budget.left < 0) {
    throw new HttpError('TOO_MANY_PARAMETERS', {
      message: `A JSON body may have at most ${budget.parameterLimit} parameters (leaf values)`,
    })
  }
}
