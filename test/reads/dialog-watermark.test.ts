import { describe, expect, it } from 'vitest'
import type { ErrorClass } from '../../src/reads/classify.js'
import {
  confirmRead,
  failRead,
  openWatermark,
  requestRead,
  startRead,
  type Watermark,
} from '../../src/reads/dialog-watermark.js'

/** A watermark with every field 0 except the ones given. */
const w = (fields: Partial<Watermark> = {}): Watermark => ({ ...openWatermark(0), ...fields })

const NOW = 1_000
const WINDOW = { parkAfterMs: 600 }

describe('dialog watermark: a message asks to be read (requestRead)', () => {
  const rows: Array<{
    rule: string
    state: Watermark
    messageId: number
    receivedAt: number
    expected: ReturnType<typeof requestRead>
  }> = [
    {
      rule: 'an id at the confirmed watermark changes nothing',
      state: w({ confirmed: 10 }),
      messageId: 10,
      receivedAt: 100,
      expected: { state: w({ confirmed: 10 }), next: 'none', effect: 'stale' },
    },
    {
      rule: 'an id below the confirmed watermark changes nothing',
      state: w({ confirmed: 10, pending: 12, inFlight: 12, since: 50, messages: 1, sentMessages: 1 }),
      messageId: 5,
      receivedAt: 100,
      expected: {
        state: w({ confirmed: 10, pending: 12, inFlight: 12, since: 50, messages: 1, sentMessages: 1 }),
        next: 'none',
        effect: 'stale',
      },
    },
    {
      rule: 'the first message of an idle dialog queues a read and starts the lag clock',
      state: w({ confirmed: 3 }),
      messageId: 5,
      receivedAt: 100,
      expected: { state: w({ confirmed: 3, pending: 5, since: 100, messages: 1 }), next: 'queue', effect: 'raised' },
    },
    {
      rule: 'a newer id while a read waits raises the watermark; the lag still runs from the oldest',
      state: w({ pending: 5, since: 100, messages: 1 }),
      messageId: 7,
      receivedAt: 200,
      expected: { state: w({ pending: 7, since: 100, messages: 2 }), next: 'queue', effect: 'raised' },
    },
    {
      rule: 'a lower id than the pending one is covered by it and only counted',
      state: w({ pending: 7, since: 100, messages: 2 }),
      messageId: 6,
      receivedAt: 300,
      expected: { state: w({ pending: 7, since: 100, messages: 3 }), next: 'queue', effect: 'covered' },
    },
    {
      rule: 'a newer id while a read is in flight waits for the follow-up, whose lag starts at its receipt',
      state: w({ pending: 5, inFlight: 5, since: 100, messages: 1, sentMessages: 1 }),
      messageId: 6,
      receivedAt: 200,
      expected: {
        state: w({ pending: 6, inFlight: 5, since: 100, nextSince: 200, messages: 2, sentMessages: 1 }),
        next: 'none',
        effect: 'raised',
      },
    },
    {
      rule: 'a second newer id in flight keeps the follow-up lag at the oldest receipt',
      state: w({ pending: 6, inFlight: 5, since: 100, nextSince: 200, messages: 2, sentMessages: 1 }),
      messageId: 7,
      receivedAt: 300,
      expected: {
        state: w({ pending: 7, inFlight: 5, since: 100, nextSince: 200, messages: 3, sentMessages: 1 }),
        next: 'none',
        effect: 'raised',
      },
    },
    {
      rule: 'an id covered by the read in flight does not start a follow-up lag',
      state: w({ pending: 5, inFlight: 5, since: 100, messages: 1, sentMessages: 1 }),
      messageId: 4,
      receivedAt: 200,
      expected: {
        state: w({ pending: 5, inFlight: 5, since: 100, messages: 2, sentMessages: 1 }),
        next: 'none',
        effect: 'covered',
      },
    },
  ]
  it.each(rows)('$rule', ({ state, messageId, receivedAt, expected }) => {
    expect(requestRead(state, messageId, receivedAt)).toEqual(expected)
  })
})

describe('dialog watermark: the read is sent (startRead)', () => {
  const rows: Array<{ rule: string; state: Watermark; expected: ReturnType<typeof startRead> }> = [
    {
      rule: 'one call carries the highest pending id and every message not yet confirmed',
      state: w({ confirmed: 2, pending: 7, since: 100, messages: 3 }),
      expected: {
        state: w({ confirmed: 2, pending: 7, inFlight: 7, since: 100, messages: 3, sentMessages: 3 }),
        messageId: 7,
        messages: 3,
        wholeDialog: false,
      },
    },
    {
      rule: 'a retry keeps its count of failures in a row',
      state: w({ pending: 7, since: 100, messages: 3, attempts: 2 }),
      expected: {
        state: w({ pending: 7, inFlight: 7, since: 100, messages: 3, sentMessages: 3, attempts: 2 }),
        messageId: 7,
        messages: 3,
        wholeDialog: false,
      },
    },
    {
      rule: 'after the portal said the newest id is gone, the read goes without messageId (the whole dialog)',
      state: w({ pending: 7, since: 100, messages: 3, goneId: 7 }),
      expected: {
        state: w({ pending: 7, inFlight: 7, since: 100, messages: 3, sentMessages: 3, goneId: 7 }),
        messageId: 7,
        messages: 3,
        wholeDialog: true,
      },
    },
    {
      rule: 'a newer id than the gone one is read by its id again: it covers the earlier messages',
      state: w({ pending: 9, since: 100, messages: 4, goneId: 7 }),
      expected: {
        state: w({ pending: 9, inFlight: 9, since: 100, messages: 4, sentMessages: 4, goneId: 7 }),
        messageId: 9,
        messages: 4,
        wholeDialog: false,
      },
    },
  ]
  it.each(rows)('$rule', ({ state, expected }) => {
    expect(startRead(state)).toEqual(expected)
  })
})

describe('dialog watermark: the portal confirms the read (confirmRead)', () => {
  const rows: Array<{ rule: string; state: Watermark; expected: ReturnType<typeof confirmRead> }> = [
    {
      rule: 'with nothing newer the dialog is done and its failures are forgotten',
      state: w({ pending: 7, inFlight: 7, since: 100, messages: 3, sentMessages: 3, attempts: 2 }),
      expected: { state: w({ pending: 7, confirmed: 7 }), next: 'done', messageId: 7, messages: 3, lagMs: 900 },
    },
    {
      rule: 'newer ids queue one follow-up whose lag runs from the oldest of them',
      state: w({ pending: 9, inFlight: 7, since: 100, nextSince: 400, messages: 5, sentMessages: 3 }),
      expected: {
        state: w({ pending: 9, confirmed: 7, since: 400, messages: 2 }),
        next: 'queue',
        messageId: 7,
        messages: 3,
        lagMs: 900,
      },
    },
    {
      rule: 'newer ids without a receipt time start the follow-up lag now',
      state: w({ pending: 9, inFlight: 7, since: 100, messages: 4, sentMessages: 3 }),
      expected: {
        state: w({ pending: 9, confirmed: 7, since: NOW, messages: 1 }),
        next: 'queue',
        messageId: 7,
        messages: 3,
        lagMs: 900,
      },
    },
    {
      rule: 'a confirmation never lowers the watermark',
      state: w({ confirmed: 9, pending: 9, inFlight: 7, since: 100, messages: 1, sentMessages: 1 }),
      expected: { state: w({ pending: 9, confirmed: 9 }), next: 'done', messageId: 7, messages: 1, lagMs: 900 },
    },
  ]
  it.each(rows)('$rule', ({ state, expected }) => {
    expect(confirmRead(state, NOW)).toEqual(expected)
  })
})

describe('dialog watermark: the portal refuses the read (failRead)', () => {
  const inFlight = w({ confirmed: 3, pending: 7, inFlight: 7, since: 100, messages: 3, sentMessages: 3 })
  const newerArrived = w({
    confirmed: 3,
    pending: 9,
    inFlight: 7,
    since: 100,
    nextSince: 400,
    messages: 5,
    sentMessages: 3,
    attempts: 1,
  })
  const rows: Array<{ rule: string; state: Watermark; kind: ErrorClass; expected: ReturnType<typeof failRead> }> = [
    {
      rule: 'a dialog gone for the bot drops the read and the dialog is done at its confirmed watermark',
      state: inFlight,
      kind: 'dialog-gone',
      expected: { state: w({ confirmed: 3, pending: 3 }), next: 'done', messageId: 7, action: 'drop' },
    },
    {
      rule: 'a gone dialog with newer ids queues them: they may well be readable',
      state: newerArrived,
      kind: 'dialog-gone',
      expected: {
        state: w({ confirmed: 3, pending: 9, since: 400, messages: 1, attempts: 1 }),
        next: 'queue',
        messageId: 7,
        action: 'drop',
      },
    },
    {
      rule: 'a deleted newest message keeps the read and marks the id gone, so the dialog is read as a whole',
      state: inFlight,
      kind: 'message-gone',
      expected: {
        state: w({ confirmed: 3, pending: 7, since: 100, messages: 3, goneId: 7 }),
        next: 'front',
        messageId: 7,
        action: 'whole-dialog',
      },
    },
    {
      rule: "a configuration error keeps the read pending and pauses the portal; the dialog's failures are not counted",
      state: inFlight,
      kind: 'portal-config',
      expected: {
        state: w({ confirmed: 3, pending: 7, since: 100, messages: 3 }),
        next: 'front',
        messageId: 7,
        action: 'pause',
      },
    },
    {
      rule: "a transient failure backs off on the dialog's own delay, remembering when its failures began",
      state: inFlight,
      kind: 'transient',
      expected: {
        state: w({ confirmed: 3, pending: 7, since: 100, messages: 3, attempts: 1, failingSince: NOW }),
        next: 'later',
        messageId: 7,
        action: 'backoff',
      },
    },
    {
      rule: 'an unknown code backs off the same way: never dropped',
      state: w({ ...inFlight, attempts: 2, failingSince: NOW - 100 }),
      kind: 'unknown',
      expected: {
        state: w({ confirmed: 3, pending: 7, since: 100, messages: 3, attempts: 3, failingSince: NOW - 100 }),
        next: 'later',
        messageId: 7,
        action: 'backoff',
      },
    },
    {
      rule: 'failing past the retry window parks the read (kept, not dropped)',
      state: w({ ...inFlight, attempts: 9, failingSince: NOW - WINDOW.parkAfterMs }),
      kind: 'unknown',
      expected: {
        state: w({
          confirmed: 3,
          pending: 7,
          since: 100,
          messages: 3,
          attempts: 10,
          failingSince: NOW - WINDOW.parkAfterMs,
        }),
        next: 'park',
        messageId: 7,
        action: 'park',
      },
    },
    {
      rule: 'a retry carries the newer ids too, so its lag runs from the oldest message',
      state: newerArrived,
      kind: 'rate-limit',
      expected: {
        state: w({ confirmed: 3, pending: 9, since: 100, messages: 5, attempts: 2 }),
        next: 'front',
        messageId: 7,
        action: 'retry',
      },
    },
    {
      rule: 'an overloaded portal retries behind the portal-wide slow-down, never parking',
      state: w({ ...inFlight, failingSince: NOW - WINDOW.parkAfterMs }),
      kind: 'overload',
      expected: {
        state: w({
          confirmed: 3,
          pending: 7,
          since: 100,
          messages: 3,
          attempts: 1,
          failingSince: NOW - WINDOW.parkAfterMs,
        }),
        next: 'front',
        messageId: 7,
        action: 'retry',
      },
    },
    {
      rule: 'an operating-time hold retries',
      state: inFlight,
      kind: 'operating-limit',
      expected: {
        state: w({ confirmed: 3, pending: 7, since: 100, messages: 3, attempts: 1 }),
        next: 'front',
        messageId: 7,
        action: 'retry',
      },
    },
    {
      rule: 'a batch that refuses the method sends the read again first, not counted as a failure',
      state: newerArrived,
      kind: 'batch-refused',
      expected: {
        state: w({ confirmed: 3, pending: 9, since: 100, messages: 5, attempts: 1 }),
        next: 'front',
        messageId: 7,
        action: 'resend',
      },
    },
  ]
  it.each(rows)('$rule', ({ state, kind, expected }) => {
    expect(failRead(state, kind, NOW, WINDOW)).toEqual(expected)
  })
})

describe('dialog watermark: a burst as the scheduler drives it', () => {
  it('reads four messages with two calls and ends done at the highest id', () => {
    let state = openWatermark(0)
    state = requestRead(state, 10, 100).state
    const first = startRead(state)
    state = requestRead(first.state, 11, 200).state
    state = requestRead(state, 13, 300).state
    state = requestRead(state, 12, 400).state
    const confirmed = confirmRead(state, 500)
    expect([first.messageId, confirmed.next, confirmed.lagMs]).toEqual([10, 'queue', 400])
    const second = startRead(confirmed.state)
    expect([second.messageId, second.messages]).toEqual([13, 3])
    const done = confirmRead(second.state, 600)
    expect([done.next, done.lagMs, done.state]).toEqual(['done', 400, w({ pending: 13, confirmed: 13 })])
  })
})
