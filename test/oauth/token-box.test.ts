import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseTokenKey, tokenBox } from '../../src/tenants/token-box.js'

describe('token box (AES-256-GCM, bound to the portal)', () => {
  const key = randomBytes(32)
  const box = tokenBox(key)

  it('opens what it sealed, and the sealed text shows nothing of it', () => {
    const sealed = box.seal('member-a', '{"accessToken":"secret-access-1"}')
    expect(sealed).not.toContain('secret-access-1')
    expect(box.open('member-a', sealed)).toBe('{"accessToken":"secret-access-1"}')
  })

  it('does not open a record under another portal, another key, or once tampered with', () => {
    const sealed = box.seal('member-a', 'tokens')
    expect(box.open('member-b', sealed)).toBeUndefined()
    expect(tokenBox(randomBytes(32)).open('member-a', sealed)).toBeUndefined()
    const parts = sealed.split('.')
    const body = parts[3] ?? ''
    const flipped = [...parts.slice(0, 3), `${body.slice(0, -2)}${body.endsWith('AA') ? 'AB' : 'AA'}`].join('.')
    expect(box.open('member-a', flipped)).toBeUndefined()
    expect(box.open('member-a', 'garbage')).toBeUndefined()
  })

  it('reads B24_TOKEN_KEY as 64 hex digits or base64 of 32 bytes, nothing shorter', () => {
    expect(parseTokenKey(key.toString('hex'))).toEqual(key)
    expect(parseTokenKey(key.toString('base64'))).toEqual(key)
    expect(parseTokenKey('short')).toBeUndefined()
    expect(parseTokenKey(randomBytes(16).toString('hex'))).toBeUndefined()
  })
})
