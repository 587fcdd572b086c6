/**
 * Bounded label values for metrics: a Bitrix24 or transport error code becomes itself when it is one the service
 * knows (docs/OPERATIONS.md lists them all) and `other` otherwise, so a portal cannot grow the label set.
 * @see https://apidocs.bitrix24.com/api-reference/common/system-errors.html
 */

/** Every error code the runbook explains; anything else is reported as `other`. */
export const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set([
  // imbot.v2 common and Chat.Message.read errors
  'BOT_TOKEN_NOT_SPECIFIED',
  'CLIENT_ID_NOT_SPECIFIED',
  'BOT_ID_REQUIRED',
  'BOT_NOT_FOUND',
  'BOT_OWNERSHIP_ERROR',
  'ACCESS_DENIED',
  'MESSAGE_NOT_FOUND',
  'MESSAGE_ACCESS_DENIED',
  'CHAT_NOT_FOUND',
  'DIALOG_ID_EMPTY',
  // the bot port's own: im.dialog.read before an event brought the bot's tokens
  'NO_BOT_TOKEN',
  // system errors
  'INTERNAL_SERVER_ERROR',
  'ERROR_UNEXPECTED_ANSWER',
  'QUERY_LIMIT_EXCEEDED',
  'OPERATION_TIME_LIMIT',
  'OVERLOAD_LIMIT',
  'ERROR_BATCH_METHOD_NOT_ALLOWED',
  'ERROR_BATCH_LENGTH_EXCEEDED',
  'ERROR_METHOD_NOT_FOUND',
  'METHOD_NOT_FOUND',
  'NO_AUTH_FOUND',
  'INVALID_REQUEST',
  'INVALID_CREDENTIALS',
  'insufficient_scope',
  'expired_token',
  'invalid_token',
  'invalid_grant',
  'user_access_error',
  'PORTAL_DELETED',
  'PAYMENT_REQUIRED',
  // imbot.v2.Event.get (fetch mode) and the OAuth server (token refresh)
  'SCOPE_ERROR',
  'AUTH_ERROR',
  'USER_NOT_SUBSCRIBED',
  'invalid_request',
  'invalid_client',
  'invalid_scope',
  'JSSDK_OAUTH_TOKEN_REFRESH_FAILED',
  // transport, as the SDK reports it (status 0 or 408)
  'REQUEST_TIMEOUT',
  'NETWORK_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EPROTO',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_BAD_RESPONSE',
  // TLS: the portal's certificate is not trusted (see B24_CA_FILE)
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNKNOWN_ERROR',
])

/** The `code` label for an error code: itself when known, `other` otherwise; `none` when there was no error. */
export function codeLabel(code: string | undefined): string {
  if (code === undefined) return 'none'
  return KNOWN_ERROR_CODES.has(code) ? code : 'other'
}
