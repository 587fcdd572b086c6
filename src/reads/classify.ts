/**
 * Sorts Bitrix24 error codes into what the service does about them. Sources: the read method's error table,
 * the system errors and the limits page of the REST docs (see docs/OPERATIONS.md for the full runbook).
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
  /** Auth or bot configuration is wrong for every call: drop, mark not ready, an operator must act. */
  | 'terminal-portal'
  /** Wrong for this dialog or message only: drop this read. */
  | 'terminal-dialog'
  /** 5xx, timeouts, dropped connections: retry with backoff. */
  | 'transient'

const PORTAL_TERMINAL = new Set([
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
])

const DIALOG_TERMINAL = new Set([
  'ACCESS_DENIED',
  'MESSAGE_NOT_FOUND',
  'MESSAGE_ACCESS_DENIED',
  'CHAT_NOT_FOUND',
  'DIALOG_ID_EMPTY',
])

const TRANSIENT_CODES = new Set([
  'INTERNAL_SERVER_ERROR',
  'ERROR_UNEXPECTED_ANSWER',
  'REQUEST_TIMEOUT',
  'NETWORK_ERROR',
])

/** Classifies one error. Unknown 4xx codes are terminal for the dialog, so nothing retries forever. */
export function classifyError(error: RestError): ErrorClass {
  const { code, status } = error
  if (code === 'QUERY_LIMIT_EXCEEDED') return 'rate-limit'
  if (code === 'OPERATION_TIME_LIMIT') return 'operating-limit'
  if (code === 'OVERLOAD_LIMIT') return 'overload'
  if (code === 'ERROR_BATCH_METHOD_NOT_ALLOWED') return 'batch-refused'
  if (PORTAL_TERMINAL.has(code)) return 'terminal-portal'
  if (DIALOG_TERMINAL.has(code)) return 'terminal-dialog'
  if (TRANSIENT_CODES.has(code)) return 'transient'
  if (status === 429 || status === 503) return 'rate-limit'
  if (status === 0 || status === 408 || status >= 500) return 'transient'
  if (status >= 400) return 'terminal-dialog'
  // An error carried by an HTTP 200 answer with an unknown code: the portal did answer, so retrying will not help.
  return 'terminal-dialog'
}
