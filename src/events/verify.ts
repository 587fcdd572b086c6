/** Constant-time checks of what authenticates an event: `auth[application_token]` and the secret path segment. */
import { createHash, timingSafeEqual } from 'node:crypto'
import { objectAt, optString } from './coerce.js'

/** Compares two secrets in time independent of where they differ and of their lengths. */
export function safeEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) && presented.length === expected.length
}

/** Reads the top-level `auth.application_token` (not `data.bot.auth`, per the imbot.v2 docs) without interpreting the rest. */
export function presentedApplicationToken(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  return optString(objectAt(body as Record<string, unknown>, 'auth'), 'application_token')
}
