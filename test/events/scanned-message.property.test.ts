import { messageAddEvent, phpHttpBuildQuery, readFixture } from '@b24-autoread/portal-sim/events'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/errors.js'
import { DEFAULT_FORM_LIMITS, parseFormBody } from '../../src/events/form-body.js'
import { parseEvent } from '../../src/events/parse-event.js'
import { scanMessage } from '../../src/events/scanned-message.js'
import { dedupeKey } from '../../src/intake/dedupe-key.js'
import { messageSpec } from '../support/message-arbitrary.js'

const limits = DEFAULT_FORM_LIMITS

/** The full path's answer: the parsed event, or the 4xx code it refuses the body with. */
function fullPath(raw: string) {
  try {
    return parseEvent(parseFormBody(raw, limits))
  } catch (err) {
    if (err instanceof HttpError) return { ok: false as const, code: err.code, problems: [err.message] }
    throw err
  }
}

/**
 * The fast path agrees with the full one: a body it takes is one whose scanned ids the full path reads alike (same
 * ids, same dedupe key, so a redelivery is a duplicate whichever path it takes); its later decode is the full path's
 * result; and every new message the full path accepts is taken by the fast path.
 */
function agrees(raw: string): void {
  let scanned: ReturnType<typeof scanMessage>
  try {
    scanned = scanMessage(raw, limits)
  } catch (err) {
    // The scan refuses only what the full path refuses too, with a 400 (the code may differ: the first problem found).
    expect(err).toMatchObject({ statusCode: 400 })
    expect(fullPath(raw)).toMatchObject({ ok: false })
    return
  }
  const full = fullPath(raw)
  if (scanned === undefined) {
    expect(full.ok && full.event.type === 'ONIMBOTV2MESSAGEADD').toBe(false)
    return
  }
  const decoded = scanned.decode()
  if (!full.ok) {
    expect(decoded).toMatchObject({ ok: false, code: full.code })
    // Only problems of fields the 200 does not need are left for after it.
    for (const problem of full.problems)
      expect(problem).not.toMatch(/^(data\.bot\.id|data\.message\.id|data\.chat\.dialogId|event) /)
    return
  }
  expect(decoded).toEqual({ ok: true, event: full.event })
  if (full.event.type !== 'ONIMBOTV2MESSAGEADD') throw new Error('a scanned body decoded to another event')
  expect([scanned.botId, scanned.dialogId, scanned.messageId]).toEqual([
    full.event.bot.id,
    full.event.chat.dialogId,
    full.event.message.id,
  ])
  expect(dedupeKey(scanned)).toBe(dedupeKey(full.event))
  expect(scanned.applicationToken).toBe(full.event.portal.applicationToken)
}

/** A scanned field's value: valid, empty, malformed or out of range. */
const idText = fc.constantFrom('7', '0', '', 'abc', '12345678901234567', ' 5', '9007199254740993', '%ZZ', '%37')
const dialogText = fc.constantFrom('chat5', '17', 'chat0', 'chat', '5x', '', 'sg3', '%63hat9')
/** Pairs appended to a real body: deep or malformed keys and values elsewhere, shadows and repeats of scanned keys. */
const extraPair = fc.oneof(
  fc.constantFrom(
    `data${'[a]'.repeat(9)}=1`,
    'data%5Buser%5D%5Bname%5D=%E0%A4%A',
    'data%5Bchat%5D%5Bid%5D=x',
    'data%5Bmessage%5D%5BchatId%5D=-1',
    'data%5Buser%5D%5Bid%5D=1.5',
    'data%5Bbot%5D%5Bid%5D%5Bx%5D=1',
    'data[chat][dialogId][0]=1',
    'data%5Bbot%5D%5Bauth%5D%5Bmember_id%5D=member-b',
    'auth%5Bmember_id%5D=member-a',
    'event=onimbotv2messageadd',
    'event=ONIMBOTV2JOINCHAT',
    'data%5BdialogId%5D=chat77',
    '__proto__%5Bx%5D=1',
  ),
  idText.map((v) => `data%5Bbot%5D%5Bid%5D=${v}`),
  idText.map((v) => `data%5Bmessage%5D%5Bid%5D=${v}`),
  dialogText.map((v) => `data%5Bchat%5D%5BdialogId%5D=${v}`),
)
const body = fc
  .tuple(messageSpec(20), fc.boolean(), fc.array(extraPair, { maxLength: 4 }), fc.boolean())
  .map(([spec, withAuth, extras, dropChat]) => {
    const event = messageAddEvent(spec) as unknown as { data: Record<string, unknown>; auth?: unknown }
    if (!withAuth) delete event.auth
    if (dropChat) delete event.data.chat
    return [phpHttpBuildQuery(event), ...extras].join('&')
  })

describe('scanned message', () => {
  it('agrees with the full decode and parse on real-shaped bodies with bad or repeated fields added', () => {
    fc.assert(fc.property(body, agrees), { numRuns: 1500 })
  })

  it('takes every well-formed new message, and only those, from the captured fixtures', () => {
    for (const name of ['v2-message-add-group', 'v2-message-add-private', 'v2-join-chat', 'v1-message-add']) {
      agrees(readFixture(`${name}.form`))
    }
    expect(scanMessage(readFixture('v2-message-add-private.form'), limits)).toBeDefined()
    expect(scanMessage(readFixture('v2-message-add-openline.capture.form').trim(), limits)).toBeDefined()
    expect(scanMessage(readFixture('v2-join-chat.form'), limits)).toBeUndefined()
    expect(scanMessage(readFixture('v1-message-add.form'), limits)).toBeUndefined()
  })

  it('keeps the presented token and the raw body out of anything that serializes it (a log line)', () => {
    const token = 'app-token-not-in-logs-7781'
    const scanned = scanMessage(phpHttpBuildQuery(messageAddEvent({ applicationToken: token, messageId: 3 })), limits)
    expect(scanned?.applicationToken).toBe(token)
    expect(JSON.stringify(scanned)).not.toContain(token)
    expect(JSON.stringify(scanned)).toContain('"messageId":3')
  })

  it('finds a too-deep key or broken encoding elsewhere in the body only when decoding it in full', () => {
    const raw = phpHttpBuildQuery(messageAddEvent({ messageId: 5 }))
    const deep = scanMessage(`${raw}&data${'[a]'.repeat(9)}=1`, limits)
    expect(deep?.decode()).toMatchObject({ ok: false, code: 'TOO_DEEP' })
    const broken = scanMessage(`${raw}&data%5Buser%5D%5Bname%5D=%E0%A4%A`, limits)
    expect(broken?.decode()).toMatchObject({ ok: false, code: 'MALFORMED_FORM' })
    const badField = scanMessage(`${raw}&data%5Bchat%5D%5Bid%5D=x`, limits)
    expect(badField?.decode()).toMatchObject({ ok: false, code: 'INVALID_EVENT' })
  })
})
