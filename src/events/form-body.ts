/**
 * Decodes `application/x-www-form-urlencoded` bodies as PHP's `http_build_query` writes them
 * (`data%5Bbot%5D%5Bid%5D=456`), with `qs` and explicit limits: nesting depth, parameter count, strict
 * percent-encoding and UTF-8. Objects have no prototype, so `__proto__` keys cannot pollute anything.
 */
import qs from 'qs'
import { HttpError } from '../errors.js'

/** Limits for decoding a form body. */
export interface FormLimits {
  readonly depth: number
  readonly parameterLimit: number
}

/** Defaults that fit every documented event (the deepest is `data[message][params][FILE_ID][0]`). */
export const DEFAULT_FORM_LIMITS: FormLimits = { depth: 8, parameterLimit: 1000 }

function strictDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '))
}

/** Decodes a form body into a null-prototype object, or throws a 400 `HttpError` saying what is wrong. */
export function parseFormBody(raw: string, limits: FormLimits = DEFAULT_FORM_LIMITS): Record<string, unknown> {
  if (raw.trim() === '') throw new HttpError(400, 'EMPTY_BODY', 'The request body is empty; send the event fields')
  try {
    return qs.parse(raw, {
      depth: limits.depth,
      strictDepth: true,
      parameterLimit: limits.parameterLimit,
      throwOnLimitExceeded: true,
      parseArrays: false,
      plainObjects: true,
      allowPrototypes: false,
      allowDots: false,
      decoder: strictDecode,
    })
  } catch (err) {
    if (err instanceof URIError) {
      throw new HttpError(400, 'MALFORMED_FORM', 'The form body has invalid percent-encoding or UTF-8', { cause: err })
    }
    if (err instanceof RangeError && /depth/i.test(err.message)) {
      throw new HttpError(400, 'TOO_DEEP', `Form keys may nest at most ${limits.depth} levels deep`, { cause: err })
    }
    if (err instanceof RangeError) {
      throw new HttpError(
        400,
        'TOO_MANY_PARAMETERS',
        `A form body may have at most ${limits.parameterLimit} parameters`,
        {
          cause: err,
        },
      )
    }
    throw new HttpError(400, 'MALFORMED_FORM', 'The form body could not be decoded', { cause: err })
  }
}
