/**
 * Every error code the service itself raises, in one table: the HTTP status when the code answers a request, and a
 * message that says what to do. Codes the portal or the network return (`BOT_NOT_FOUND`, `QUERY_LIMIT_EXCEEDED`,
 * `ECONNRESET`, ...) are another vocabulary: see `reads/classify.ts` and `observability/code-label.ts`.
 */

/** One entry of the table: `status` only for codes that answer an HTTP request. */
export interface ErrorCodeEntry {
  readonly status?: number
  readonly message: string
}

/** The service's error codes. */
export const ERROR_CODES = {
  // 400: the body cannot be decoded or is not an event
  EMPTY_BODY: { status: 400, message: 'The request body is empty; send the event fields' },
  MALFORMED_FORM: { status: 400, message: 'The form body has invalid percent-encoding or UTF-8' },
  MALFORMED_JSON: { status: 400, message: 'The body is not valid JSON' },
  FORBIDDEN_KEY: { status: 400, message: 'JSON keys "__proto__" and "constructor.prototype" are not allowed' },
  TOO_DEEP: { status: 400, message: 'The body nests too deep; send the event as Bitrix24 does' },
  TOO_MANY_PARAMETERS: { status: 400, message: 'The form body has too many parameters' },
  INVALID_CONTENT_LENGTH: { status: 400, message: 'Content-Length does not match the body' },
  INVALID_EVENT: { status: 400, message: 'Invalid event: send an object with "event" and "data" as Bitrix24 does' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  // 401: the sender is not the portal
  MISSING_APPLICATION_TOKEN: { status: 401, message: 'auth[application_token] is missing' },
  INVALID_APPLICATION_TOKEN: {
    status: 401,
    message: 'auth[application_token] does not match B24_APPLICATION_TOKEN',
  },
  INVALID_EVENTS_SECRET: {
    status: 401,
    message: 'Events are accepted only at the secret path set by B24_EVENTS_SECRET',
  },
  PORTAL_UNVERIFIED: {
    status: 401,
    message:
      'OAuth mode: no install of this portal matches auth[application_token], and the event carries no tokens the OAuth server accepts; install (or reinstall) the app on the portal',
  },
  PORTAL_MISMATCH: {
    status: 403,
    message: "OAuth mode: the event's tokens belong to another portal than its member_id names",
  },
  MALFORMED_AUTH: {
    status: 400,
    message: 'OAuth mode: the event has no auth[member_id] (or data[bot][auth][member_id]) naming its portal',
  },
  BOT_ENDPOINT_MISMATCH: {
    status: 403,
    message:
      "data[BOT][<id>] names another portal than B24_WEBHOOK_URL's (client_endpoint host) or another install (application_token): its tokens are not used",
  },
  NO_BOT_TOKEN: {
    status: 422,
    message:
      "B24_READ_METHOD=im.dialog.read reads only with the bot's own tokens, which v1 events (imbot.register bots) carry in data[BOT][<id>][access_token]; this event has none (a v2 event, or a portal from before 2023): set B24_READ_METHOD=imbot.v2.Chat.Message.read",
  },
  NOT_FOUND: { status: 404, message: 'No such route' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Send application/x-www-form-urlencoded (as Bitrix24 does) or application/json',
  },
  // 5xx: the service cannot take the event now; Bitrix24 (or the poller) sends it again later
  INTERNAL_ERROR: { status: 500, message: 'Internal error' },
  OVERLOADED: { status: 503, message: 'Too many events are waiting; retry later' },
  STORE_UNAVAILABLE: { status: 503, message: 'The event could not be stored; retry later' },
  OAUTH_SERVER_UNAVAILABLE: {
    status: 503,
    message: 'OAuth mode: the OAuth server (B24_OAUTH_SERVER_ENDPOINT) could not verify the portal now; retry later',
  },
  SHUTTING_DOWN: { status: 503, message: 'The service is shutting down; retry later' },
  TOKEN_KEY_MISMATCH: {
    status: 503,
    message:
      "OAuth mode: this instance cannot open the portal's stored record: its B24_TOKEN_KEY is not the key that sealed it; set the same B24_TOKEN_KEY on every instance",
  },
  // not HTTP answers
  CONFIG_INVALID: { message: 'The environment does not describe a runnable service; fix the variables listed' },
  HANDLER_FAILED: { message: 'A pipeline handler threw; the message is still marked read' },
  STORE_CLOSED: { message: 'The state store is closed' },
  REDIS_REPLY_INVALID: {
    message: 'A Redis script answered something it never returns (a foreign script under our key prefix?)',
  },
  REDIS_UNREACHABLE: {
    message: 'Redis does not answer at REDIS_URL; check the host, port, password and TLS (rediss://)',
  },
  STATE_DIR_UNUSABLE: { message: 'The state store cannot be opened in STATE_DIR; point it at a writable directory' },
  NO_PORTAL_YET: { message: 'OAuth mode: no portal has sent an event yet' },
  NOT_LISTENING: { message: 'The service did not start listening' },
  NO_PORTAL_AUTH: {
    message: 'No OAuth tokens for this portal yet: it becomes callable once one of its events arrives',
  },
} as const satisfies Readonly<Record<string, ErrorCodeEntry>>

/** A code of the service. */
export type ErrorCode = keyof typeof ERROR_CODES

/** A code that answers an HTTP request (it has a status). */
export type HttpErrorCode = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { readonly status: number } ? C : never
}[ErrorCode]

/** Whether `code` is one of the service's codes (e.g. for a code read from an unknown error). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)
}

/** Whether `code` is one of the service's codes that answer an HTTP request. */
export function isHttpErrorCode(code: unknown): code is HttpErrorCode {
  return isErrorCode(code) && entryOf(code).status !== undefined
}

/** The table's entry for `code`, seen through the common shape (for code that does not know which code it has). */
export function entryOf(code: ErrorCode): ErrorCodeEntry {
  return ERROR_CODES[code]
}
