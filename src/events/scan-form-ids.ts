/**
 * Reads only what an intake answer needs from a form body (event name, token, bot, dialog, message, portal) in one
 * pass, decoding just those values, for a hot path that answers before the full decode (issue 13). For every body
 * `parseFormBody` accepts, each field is the string `parseFormBody` puts at that path (undefined when absent or not
 * a string); the full decode must still run before any handler, and refuses what this scan lets through.
 */
import {
  DEFAULT_FORM_LIMITS,
  decodeFormComponent,
  detached,
  type FormLimits,
  forEachFormPair,
  splitKey,
} from './form-body.js'

/** The paths the scan reads, by the name of the field it returns. */
export const SCANNED_PATHS = {
  event: ['event'],
  applicationToken: ['auth', 'application_token'],
  memberId: ['auth', 'member_id'],
  domain: ['auth', 'domain'],
  botId: ['data', 'bot', 'id'],
  botMemberId: ['data', 'bot', 'auth', 'member_id'],
  chatDialogId: ['data', 'chat', 'dialogId'],
  dialogId: ['data', 'dialogId'],
  messageId: ['data', 'message', 'id'],
} as const satisfies Record<string, readonly string[]>

/** A scanned field's name. */
export type ScannedField = keyof typeof SCANNED_PATHS

/** The scanned strings, undefined where the body has none. */
export type ScannedIds = { readonly [F in ScannedField]: string | undefined }

const FIELDS = Object.keys(SCANNED_PATHS).filter((f): f is ScannedField => f in SCANNED_PATHS)
/** Each field's key as PHP's `http_build_query` encodes it, and with plain brackets. */
const BY_KEY = new Map<string, ScannedField>()
/** The PHP-encoded field keys followed by `%5B`: a plain key starting so nests under a field. */
const NESTED_PREFIXES: string[] = []
for (const field of FIELDS) {
  const [head, ...rest] = SCANNED_PATHS[field]
  const encoded = `${head}${rest.map((s) => `%5B${s}%5D`).join('')}`
  BY_KEY.set(encoded, field)
  BY_KEY.set(`${head}${rest.map((s) => `[${s}]`).join('')}`, field)
  NESTED_PREFIXES.push(`${encoded}%5B`)
}
/** The lengths of the keys in `BY_KEY`. */
const KEY_LENGTHS = new Set([...BY_KEY.keys()].map((k) => k.length))
/**
 * Any of `NESTED_PREFIXES` at `lastIndex` (sticky): one compiled match instead of a loop of `startsWith`, which was
 * the scan's largest cost on a real 4.4 KB body. The prefixes hold no `=` or `&`, so a match stays inside its key.
 */
const NESTED_PREFIX = new RegExp(`(?:${NESTED_PREFIXES.join('|')})`, 'y')

/** Scans a form body; throws the same 400s as `parseFormBody` for emptiness, parameter count and bad scanned parts. */
export function scanFormIds(raw: string, limits: FormLimits = DEFAULT_FORM_LIMITS): ScannedIds {
  const found: Partial<Record<ScannedField, string>> = {}
  const shadowed = new Set<ScannedField>()
  forEachFormPair(raw, limits, (start, split, end) => {
    // Most keys are neither a field nor near one: tell so without slicing or hashing them.
    let field = KEY_LENGTHS.has(split - start) ? BY_KEY.get(raw.slice(start, split)) : undefined
    if (field === undefined) {
      if (isPlainPhpKey(raw, start, split)) shadowByPrefix(raw, start, split, limits, shadowed)
      else field = fieldOf(raw.slice(start, split), limits, shadowed)
    }
    if (field !== undefined)
      found[field] = split === end ? '' : detached(decodeFormComponent(raw.slice(split + 1, end)))
  })
  const pick = (field: ScannedField) => (shadowed.has(field) ? undefined : found[field])
  return {
    event: pick('event'),
    applicationToken: pick('applicationToken'),
    memberId: pick('memberId'),
    domain: pick('domain'),
    botId: pick('botId'),
    botMemberId: pick('botMemberId'),
    chatDialogId: pick('chatDialogId'),
    dialogId: pick('dialogId'),
    messageId: pick('messageId'),
  }
}

/** A run of key text with no `+`, `[` or `]` and no escape but PHP's `%5B`/`%5D` (sticky; `&` and `=` end it). */
const PLAIN_PHP_RUN = /(?:[^%+[\]&=]|%5[BD])*/y

/** True when `raw[start..end)` has no `+`, `[` or `]` and its only escapes are PHP's `%5B`/`%5D`. */
function isPlainPhpKey(raw: string, start: number, end: number): boolean {
  PLAIN_PHP_RUN.lastIndex = start
  PLAIN_PHP_RUN.test(raw)
  return PLAIN_PHP_RUN.lastIndex >= end
}

/** The field a key written any other way decodes to; also marks fields that this key turns into objects. */
function fieldOf(rawKey: string, limits: FormLimits, shadowed: Set<ScannedField>): ScannedField | undefined {
  const key = decodeFormComponent(rawKey)
  const field = BY_KEY.get(key)
  if (field === undefined) markShadowed(key, limits, shadowed)
  return field
}

/** A plain PHP key that starts like a field's key and goes on may nest under it (`data%5Bbot%5D%5Bid%5D%5Bx%5D`). */
function shadowByPrefix(
  raw: string,
  start: number,
  end: number,
  limits: FormLimits,
  shadowed: Set<ScannedField>,
): void {
  NESTED_PREFIX.lastIndex = start
  if (NESTED_PREFIX.test(raw)) {
    markShadowed(raw.slice(start, end).replaceAll('%5B', '[').replaceAll('%5D', ']'), limits, shadowed)
  }
}

/** Marks every field whose path is a proper prefix of `key`'s path: the full decoder makes that field an object. */
function markShadowed(key: string, limits: FormLimits, shadowed: Set<ScannedField>): void {
  let path: string[]
  try {
    path = splitKey(key, Math.max(limits.depth, 16))
  } catch {
    return
  }
  if (path.length < 2) return
  for (const field of FIELDS) {
    const target = SCANNED_PATHS[field]
    if (path.length > target.length && target.every((segment, i) => path[i] === segment)) shadowed.add(field)
  }
}
