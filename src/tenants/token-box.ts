/**
 * Tokens at rest: each OAuth portal's install record is sealed with AES-256-GCM under `B24_TOKEN_KEY` before it
 * reaches the state store, and bound to the portal's `member_id` (as associated data), so a record copied under
 * another portal's key does not open. A record sealed under another key does not open either: the caller drops it
 * and the portal is verified again with the OAuth server on its next event.
 * @see https://nodejs.org/api/crypto.html#cryptocreatecipherivalgorithm-key-iv-options
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12

/** A 32-byte key from `B24_TOKEN_KEY` (64 hex digits or base64 of 32 bytes); undefined when it is neither. */
export function parseTokenKey(text: string): Buffer | undefined {
  const trimmed = text.trim()
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  return key.length === 32 ? key : undefined
}

/** Seals and opens install records with one key. */
export interface TokenBox {
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url), bound to `memberId`. */
  seal(memberId: string, plain: string): string
  /** The plain text, or undefined when the record is damaged, of another portal or sealed under another key. */
  open(memberId: string, sealed: string): string | undefined
}

/** A token box over a 32-byte key. */
export function tokenBox(key: Buffer): TokenBox {
  return {
    seal(memberId, plain) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(memberId, 'utf8'))
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return [VERSION, iv, cipher.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.')
    },
    open(memberId, sealed) {
      const [version, iv, tag, body] = sealed.split('.')
      if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) return undefined
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        decipher.setAAD(Buffer.from(memberId, 'utf8'))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        return undefined
      }
    },
  }
}
