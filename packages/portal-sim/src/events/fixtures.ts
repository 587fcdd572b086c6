/** The recorded event bodies in `fixtures/` (PHP-encoded forms and their JSON), the ground truth both sides test against. */
import { readFileSync } from 'node:fs'

const FIXTURES = new URL('../../fixtures/', import.meta.url)

/** The text of `fixtures/<name>`, e.g. `readFixture('v1-message-add.form')`. */
export function readFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
}
