/** Constant-time checks of what authenticates an event: `auth[application_token]` and the secret path segment. */
import { hash, timingSafeEqual } from 'node:crypto'
import { objectAt, optString } from './coerce.js'

/** Digests of the expected secrets (configuration, so few), kept so a request hashes only what it presents. */
const expectedDigests = new Map<string, Buffer>()
const MAX_EXPECTED = 64

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer')
}

function expectedDigest(expected: string): Buffer {
  let digest = expectedDigests.get(expected)
  if (digest === undefined) {
    if (expectedDigests.size >= MAX_EXPECTED) expectedDigests.clear()
    digest = sha256(expected)
    expectedDigests.set(expected, digest)
  }
  return digest
}

/** Compares two secrets in time independent of where they differ and of their lengths. */
export function safeEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), expectedDigest(expected)) && presented.length === expected.length
}

/** Reads the top-level `auth.application_token` (not `data.bot.auth`, per the imbot.v2 docs) without interpreting the rest. */
export function presentedApplicationToken(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  return optString(objectAt(body as Record<string, unknown>, 'auth'), 'application_token')
}
