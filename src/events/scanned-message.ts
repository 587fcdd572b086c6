/**
 * A new message (`ONIMBOTV2MESSAGEADD`) known only by what its 200 needs, read from a form body by `scanFormIds`
 * (issue 13): the intake authenticates, deduplicates, stores and queues it from these ids, and the whole body is
 * decoded later, in the message's lane, before any handler sees it (`decode`). Only bodies whose scanned ids are
 * all valid become one; any other body takes the full decode before the 200, with its 4xx.
 */
import type { HttpErrorCode } from '../error-codes.js'
import { HttpError } from '../errors.js'
import { intFromText, isDialogId } from './coerce.js'
import { type FormLimits, parseFormBody } from './form-body.js'
import { parseEvent } from './parse-event.js'
import { scanFormIds } from './scan-form-ids.js'
import type { MessageAddEvent } from './types.js'

/** The one event name answered from scanned ids. */
export const MESSAGE_ADD = 'ONIMBOTV2MESSAGEADD'

/** The full decode of a scanned message: its event, or why the body is malformed (an error code, the problems). */
export type DecodedMessage =
  | { readonly ok: true; readonly event: MessageAddEvent }
  | { readonly ok: false; readonly code: HttpErrorCode; readonly problems: readonly string[] }

/** A new message answered from its scanned ids; never log it (`form` is the raw body, with its tokens). */
export class ScannedMessage {
  readonly type = 'scanned' as const
  readonly botId: number
  readonly dialogId: string
  readonly messageId: number
  /** The portal of the dedupe key: `data.bot.auth.member_id`, else `auth.member_id` (as `dedupeKey` reads them). */
  readonly memberId: string | undefined
  readonly #applicationToken: string | undefined
  readonly #form: string
  readonly #limits: FormLimits

  constructor(
    ids: { botId: number; dialogId: string; messageId: number; memberId: string | undefined },
    applicationToken: string | undefined,
    form: string,
    limits: FormLimits,
  ) {
    this.botId = ids.botId
    this.dialogId = ids.dialogId
    this.messageId = ids.messageId
    this.memberId = ids.memberId
    this.#applicationToken = applicationToken
    this.#form = form
    this.#limits = limits
  }

  /** `auth.application_token` as presented, for the route's constant-time check (a getter: never serialized). */
  get applicationToken(): string | undefined {
    return this.#applicationToken
  }

  /** Decodes and parses the whole body; a body the full decoder refuses, or that disagrees with the scan, is malformed. */
  decode(): DecodedMessage {
    let body: unknown
    try {
      body = parseFormBody(this.#form, this.#limits)
    } catch (err) {
      if (err instanceof HttpError) return { ok: false, code: err.code, problems: [err.message] }
      throw err
    }
    const parsed = parseEvent(body)
    if (!parsed.ok) return parsed
    const { event } = parsed
    if (
      event.type !== MESSAGE_ADD ||
      event.bot.id !== this.botId ||
      event.chat.dialogId !== this.dialogId ||
      event.message.id !== this.messageId
    ) {
      return { ok: false, code: 'INVALID_EVENT', problems: ['the decoded body does not match its scanned ids'] }
    }
    return { ok: true, event }
  }
}

/**
 * Scans a form body: a `ScannedMessage` when it is a v2 new message whose bot id, message id and dialog id are all
 * valid (by the rules of `parseEvent`), undefined for any other body (decode it in full). Throws the 400s of
 * `scanFormIds` (empty body, bad UTF-8, too many parameters, bad encoding in a scanned part).
 */
export function scanMessage(raw: string, limits: FormLimits): ScannedMessage | undefined {
  const ids = scanFormIds(raw, limits)
  if (ids.event?.toUpperCase() !== MESSAGE_ADD) return undefined
  const botId = positiveId(ids.botId)
  const messageId = positiveId(ids.messageId)
  const dialogId = ids.chatDialogId ?? ids.dialogId
  if (botId === undefined || messageId === undefined || dialogId === undefined || !isDialogId(dialogId))
    return undefined
  return new ScannedMessage(
    { botId, dialogId, messageId, memberId: ids.botMemberId ?? ids.memberId },
    ids.applicationToken,
    raw,
    limits,
  )
}

/** A positive id as `reqId` takes it, or undefined. */
function positiveId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = intFromText(text)
  return n >= 1 ? n : undefined
}
