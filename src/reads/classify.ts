/**
 * Sorts Bitrix24 error codes into what the service does about them. Sources: the read method's error table,
 * the system errors and the limits page of the REST docs (see docs/OPERATIONS.md for the full runbook). Nothing here
 * gives up on a read whose dialog still exists: only `dialog-gone` drops one.
 */
import type { RestError } from '../bitrix/port.js'

/** What to do after an error. */
export type ErrorClass =
  /** 503 QUERY_LIMIT_EXCEEDED or a 429 rate answer: slow the whole portal down, then retry. */
  | 'rate-limit'
  /** 429 OPERATION_TIME_LIMIT: hold that method until `operating_reset_at`, then retry. */
  | 'operating-limit'
  /** 503 OVERLOAD_LIMIT: a manual block on the portal; retry rarely. */
  | 'overload'
  /** `batch` may not carry this method: fall back to single calls. */
  | 'batch-refused'
  /** Auth, plan or bot configuration is wrong for every call: pause the portal's reads, keep them, an operator acts. */
  | 'portal-config'
  /** The bot is out of the dialog (removed, chat deleted): the one class that drops a read. */
  | 'dialog-gone'
  /** The id read was deleted (or hidden from the bot): read the dialog without `messageId` instead. */
  | 'message-gone'
  /** 5xx, timeouts, dropped connections: retry with this dialog's backoff. */
  | 'transient'
  /** A code this table does not know: retried with this dialog's backoff, then parked, never dropped. */
  | 'unknown'

/**
 * Codes that mean "this portal's configuration is wrong" (token, webhook, scope, plan, bot registration). Every read
 * of the portal would fail the same way until an operator fixes it, so reads pause and stay stored.
 */
const PORTAL_CONFIG = new Set([
  'NO_AUTH_FOUND',
  'INVALID_CREDENTIALS',
  'insufficient_scope',
  'user_access_error',
  'expired_token',
  'invalid_token',
  'invalid_grant',
  'PORTAL_DELETED',
  'INVALID_REQUEST',
  'BOT_NOT_FOUND',
  'BOT_OWNERSHIP_ERROR',
  'BOT_TOKEN_NOT_SPECIFIED',
  'CLIENT_ID_NOT_SPECIFIED',
  'BOT_ID_REQUIRED',
  'ERROR_METHOD_NOT_FOUND',
  'METHOD_NOT_FOUND',
  'PAYMENT_REQUIRED',
  'ERROR_METHOD_NOT_ALLOWED',
])

/**
 * The bot cannot see the dialog any more: `ACCESS_DENIED` is the read method's "bot is not a participant in the
 * chat" (removed from it), `CHAT_NOT_FOUND` a deleted chat, `DIALOG_ID_EMPTY` a dialog id the portal cannot resolve.
 */
const DIALOG_GONE = new Set(['ACCESS_DENIED', 'CHAT_NOT_FOUND', 'DIALOG_ID_EMPTY'])

/** The message read was deleted or is hidden from the bot; the dialog itself is still there. */
const MESSAGE_GONE = new Set(['MESSAGE_NOT_FOUND', 'MESSAGE_ACCESS_DENIED'])

const TRANSIENT_CODES = new Set([
  'INTERNAL_SERVER_ERROR',
  'ERROR_UNEXPECTED_ANSWER',
  'REQUEST_TIMEOUT',
  'NETWORK_ERROR',
  'UNKNOWN_ERROR',
])

/** Classifies one error. A code nobody listed is `unknown`: retried, then parked, so no read is lost to it. */
export function classifyError(error: RestError): ErrorClass {
  const { code, status } = error
  if (code === 'QUERY_LIMIT_EXCEEDED') return 'rate-limit'
  if (code === 'OPERATION_TIME_LIMIT') return 'operating-limit'
  if (code === 'OVERLOAD_LIMIT') return 'overload'
  if (code === 'ERROR_BATCH_METHOD_NOT_ALLOWED') return 'batch-refused'
  if (PORTAL_CONFIG.has(code)) return 'portal-config'
  if (DIALOG_GONE.has(code)) return 'dialog-gone'
  if (MESSAGE_GONE.has(code)) return 'message-gone'
  if (TRANSIENT_CODES.has(code)) return 'transient'
  if (status === 429 || status === 503) return 'rate-limit'
  if (status === 401) return 'portal-config'
  if (status === 0 || status === 408 || status >= 500) return 'transient'
  return 'unknown'
}

/** Whether the class says something about the whole portal (its rate, its load, its configuration). */
export function isPortalWide(kind: ErrorClass): boolean {
  return kind === 'rate-limit' || kind === 'operating-limit' || kind === 'overload' || kind === 'portal-config'
}
