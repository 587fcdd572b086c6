/**
 * Decodes `application/json` bodies with `secure-json-parse` (rejects `__proto__` and `constructor.prototype`)
 * and a nesting limit, so JSON and form bodies obey the same rules.
 */
import sjson from 'secure-json-parse'
import { HttpError } from '../errors.js'

/** Decodes a JSON body, or throws a 400 `HttpError` saying what is wrong. */
export function parseJsonBody(raw: string, maxDepth = 8): unknown {
  if (raw.trim() === '')
    throw new HttpError('EMPTY_BODY', { message: 'The request body is empty; send the event as JSON' })
  let value: unknown
  try {
    value = sjson.parse(raw, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    const proto = err instanceof SyntaxError && /prototype/i.test(err.message)
    throw new HttpError(proto ? 'FORBIDDEN_KEY' : 'MALFORMED_JSON', { cause: err })
  }
  if (depthExceeds(value, maxDepth)) {
    throw new HttpError('TOO_DEEP', { message: `JSON may nest at most ${maxDepth} levels deep`, context: { maxDepth } })
  }
  return value
}

/** Iterative depth check (no recursion, so hostile nesting cannot overflow the stack). */
function depthExceeds(root: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number]
    if (typeof value !== 'object' || value === null) continue
    if (depth >= maxDepth) return true
    for (const child of Object.values(value)) stack.push([child, depth + 1])
  }
  return false
}
