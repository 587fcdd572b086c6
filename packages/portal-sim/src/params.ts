/**
 * Reads an integer parameter sent as a JSON number or a numeric string (batch commands are query strings).
 * Missing or empty gives `undefined`; anything else that is not a whole number gives `NaN`.
 */
export function intParam(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number.NaN
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value)
  return Number.NaN
}

/** Reads a string parameter; numbers become strings, missing or empty gives `undefined`. */
export function stringParam(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string' && value !== '') return value
  return undefined
}

/** Reads a Bitrix24 boolean: JSON true/false, `Y`/`N`, `1`/`0`, `true`/`false`. */
export function boolParam(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value !== 'string' || value === '') return undefined
  return ['y', '1', 'true'].includes(value.toLowerCase())
}

/** Narrows an unknown value to a plain object. */
export function objectParam(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}
