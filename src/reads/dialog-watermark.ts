/**
 * The read rules of one dialog as a pure state machine: no I/O, no timers, no logger. `imbot.v2.Chat.Message.read`
 * marks everything up to `messageId`, so a dialog needs one watermark: the highest id requested (pending), the id of
 * the one read in flight, and the highest id the portal confirmed. Each transition takes a state and an input and
 * returns the new state with a decision (`next`, and what happened); the scheduler only carries decisions out:
 * `requestRead` (a message asks to be read), `startRead` (its read is sent), `confirmRead` / `failRead` (the answer).
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-read.html
 */
import type { ErrorClass } from './classify.js'

/** One dialog's read state. Ids are message ids, times ms since epoch; 0 means "none" in every field. */
export interface Watermark {
  /** The highest id requested. */
  readonly pending: number
  /** The highest id the portal confirmed as read; a lower or equal id is never sent. */
  readonly confirmed: number
  /** The id of the read in flight. */
  readonly inFlight: number
  /** Receipt of the oldest message not yet confirmed: where the next confirmation's lag starts. */
  readonly since: number
  /** Receipt of the oldest message above the id in flight: the lag start of the follow-up read. */
  readonly nextSince: number
  /** Messages not yet confirmed (the coalescing count), and how many of them the read in flight covers. */
  readonly messages: number
  readonly sentMessages: number
  /** Retryable failures of this dialog in a row. */
  readonly attempts: number
  /** When the dialog's own failures in a row began (0: not failing); past the retry window the read is parked. */
  readonly failingSince: number
  /** An id the portal said is gone (deleted): while nothing newer is pending, the dialog is read as a whole. */
  readonly goneId: number
}

/**
 * What the scheduler does next with the dialog: nothing (`none`: the id is already confirmed, or the read in flight
 * will be followed up), queue a read behind the others (`queue`), send again before the others (`front`: a retry
 * keeps its place), queue it again after the dialog's own backoff (`later`), keep it stored but stop sending it
 * until a sweep or a newer message (`park`), or forget the dialog and remember `confirmed` (`done`).
 */
export type Next = 'none' | 'queue' | 'front' | 'later' | 'park' | 'done'

/** The result of `requestRead`: `stale` ids change nothing; `raised` means the id is the new highest. */
export interface RequestStep {
  readonly state: Watermark
  readonly next: Extract<Next, 'none' | 'queue'>
  readonly effect: 'stale' | 'raised' | 'covered'
}

/**
 * The result of `startRead`: the id the read covers and the messages it covers; `wholeDialog` sends the read
 * without `messageId` ("marks all messages in the chat"), because the newest id was deleted.
 */
export interface SendStep {
  readonly state: Watermark
  readonly messageId: number
  readonly messages: number
  readonly wholeDialog: boolean
}

/** The result of `confirmRead`: what to log and report about the confirmed read. */
export interface ConfirmStep {
  readonly state: Watermark
  readonly next: Extract<Next, 'queue' | 'done'>
  /** The id confirmed, the messages it covered, and the time since the oldest of them was received. */
  readonly messageId: number
  readonly messages: number
  readonly lagMs: number
}

/**
 * What a failed read does: `drop` it (the dialog is gone for the bot), `retry` it behind the portal-wide slow-down
 * (rate limit, overload, operating time), `backoff` (this dialog's own failure: retry after its own delay), `park`
 * it (failing past the retry window: kept stored, retried later), `pause` the portal (its configuration is wrong:
 * kept stored, retried once fixed), read the `whole-dialog` (the newest id was deleted), or `resend` it alone
 * (`batch` refused the method).
 */
export type FailAction = 'drop' | 'retry' | 'backoff' | 'park' | 'pause' | 'whole-dialog' | 'resend'

/** How long a dialog's own failures are retried before its read is parked. */
export interface RetryWindow {
  readonly parkAfterMs: number
}

/** The result of `failRead`; after a `retry`, `state.attempts` counts the failures in a row. */
export interface FailStep {
  readonly state: Watermark
  readonly next: Exclude<Next, 'none'>
  readonly messageId: number
  readonly action: FailAction
}

/** A dialog with nothing pending above `confirmed`. */
export function openWatermark(confirmed: number): Watermark {
  return {
    pending: 0,
    confirmed,
    inFlight: 0,
    since: 0,
    nextSince: 0,
    messages: 0,
    sentMessages: 0,
    attempts: 0,
    failingSince: 0,
    goneId: 0,
  }
}

/** A message `messageId` received at `receivedAt` asks to be read. */
export function requestRead(w: Watermark, messageId: number, receivedAt: number): RequestStep {
  if (messageId <= w.confirmed) return { state: w, next: 'none', effect: 'stale' }
  const raised = messageId > w.pending
  const state: Watermark = {
    ...w,
    pending: raised ? messageId : w.pending,
    since: w.since === 0 ? receivedAt : w.since,
    nextSince:
      w.since !== 0 && w.inFlight > 0 && messageId > w.inFlight && w.nextSince === 0 ? receivedAt : w.nextSince,
    messages: w.messages + 1,
  }
  return { state, next: w.inFlight === 0 ? 'queue' : 'none', effect: raised ? 'raised' : 'covered' }
}

/**
 * The scheduler sends the dialog's read now: one call carries the highest pending id. When that id is one the portal
 * said is gone, the read goes without `messageId`: every message before it (the rest of a coalesced burst) is read.
 */
export function startRead(w: Watermark): SendStep {
  const state = { ...w, inFlight: w.pending, sentMessages: w.messages }
  const wholeDialog = w.goneId !== 0 && w.goneId >= w.pending
  return { state, messageId: w.pending, messages: w.messages, wholeDialog }
}

/** The portal confirmed the read in flight at `now`. */
export function confirmRead(w: Watermark, now: number): ConfirmStep {
  const confirmed = Math.max(w.confirmed, w.inFlight)
  const more = w.pending > confirmed
  const state: Watermark = {
    ...w,
    confirmed,
    inFlight: 0,
    since: more ? w.nextSince || now : 0,
    nextSince: 0,
    messages: Math.max(0, w.messages - w.sentMessages),
    sentMessages: 0,
    attempts: 0,
    failingSince: 0,
    goneId: 0,
  }
  const next = more ? 'queue' : 'done'
  return { state, next, messageId: w.inFlight, messages: w.sentMessages, lagMs: now - w.since }
}

/** What each error class does to a read (see `classify.ts`); the dialog's own failures back off, then park. */
const ACTION_OF: Readonly<Record<ErrorClass, FailAction>> = {
  'batch-refused': 'resend',
  'dialog-gone': 'drop',
  'message-gone': 'whole-dialog',
  'portal-config': 'pause',
  'rate-limit': 'retry',
  'operating-limit': 'retry',
  overload: 'retry',
  transient: 'backoff',
  unknown: 'backoff',
}

/** The portal refused the read in flight at `now` with an error of class `kind`. */
export function failRead(w: Watermark, kind: ErrorClass, now: number, window: RetryWindow): FailStep {
  const messageId = w.inFlight
  const settled: Watermark = { ...w, inFlight: 0, sentMessages: 0, nextSince: 0 }
  const action = ACTION_OF[kind]
  if (action === 'drop') {
    // Ids above the refused one arrived meanwhile: they may well be readable.
    if (w.pending > messageId) {
      return { state: { ...settled, messages: 1, since: w.nextSince || now }, next: 'queue', messageId, action }
    }
    const state: Watermark = { ...settled, pending: w.confirmed, messages: 0, since: 0, attempts: 0, failingSince: 0 }
    return { state, next: 'done', messageId, action }
  }
  // Every other action keeps the read: the retry carries every pending id, so its lag still runs from the oldest.
  if (action === 'whole-dialog') return { state: { ...settled, goneId: messageId }, next: 'front', messageId, action }
  if (action === 'resend' || action === 'pause') return { state: settled, next: 'front', messageId, action }
  const attempts = w.attempts + 1
  if (action === 'retry') return { state: { ...settled, attempts }, next: 'front', messageId, action }
  const failingSince = w.failingSince || now
  const state: Watermark = { ...settled, attempts, failingSince }
  if (now - failingSince >= window.parkAfterMs) return { state, next: 'park', messageId, action: 'park' }
  return { state, next: 'later', messageId, action }
}
