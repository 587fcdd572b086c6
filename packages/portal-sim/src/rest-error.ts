/** Documented Bitrix24 error codes with their HTTP status and description. */
export const REST_ERRORS = {
  BOT_ID_REQUIRED: [400, 'Bot ID is required'],
  BOT_TOKEN_NOT_SPECIFIED: [400, 'Bot token is not specified'],
  BOT_NOT_FOUND: [400, 'Bot not found'],
  BOT_OWNERSHIP_ERROR: [403, 'Bot is registered by another application'],
  ACCESS_DENIED: [403, 'Access denied'],
  MESSAGE_NOT_FOUND: [400, 'Message not found'],
  BOT_CODE_REQUIRED: [400, 'Bot code is required'],
  BOT_PROPERTIES_REQUIRED: [400, 'Bot properties are required'],
  BOT_CODE_ALREADY_TAKEN: [400, 'Bot code is already taken'],
  BOT_INVALID_TYPE: [400, 'Invalid bot type'],
  BOT_INVALID_EVENT_MODE: [400, 'Invalid event mode'],
  BOT_WEBHOOK_URL_REQUIRED: [400, 'Webhook URL is required'],
  BOT_INVALID_CALLBACK: [400, 'Invalid callback URL'],
  BOT_LIMIT_EXCEEDED: [400, 'Bot limit exceeded'],
  BOT_TOKEN_INVALID_LENGTH: [400, 'Bot token must not be longer than 40 characters'],
  DIALOG_ID_EMPTY: [400, 'Dialog ID can not be empty'],
  ERROR_METHOD_NOT_FOUND: [404, 'Method not found!'],
  ERROR_ARGUMENT: [400, 'Invalid request body'],
  NO_AUTH_FOUND: [401, 'Wrong authorization data'],
  expired_token: [401, 'The access token provided has expired.'],
  QUERY_LIMIT_EXCEEDED: [503, 'Too many requests'],
  OPERATION_TIME_LIMIT: [429, 'Method is blocked due to operation time limit.'],
  INTERNAL_SERVER_ERROR: [500, 'Internal server error'],
  ERROR_BATCH_LENGTH_EXCEEDED: [400, 'Max batch length exceeded'],
  ERROR_BATCH_METHOD_NOT_ALLOWED: [405, 'Method is not allowed for batch usage'],
} as const satisfies Record<string, readonly [number, string]>

/** A documented error code. */
export type RestErrorCode = keyof typeof REST_ERRORS

/** A Bitrix24 REST error: answered as `{"error": code, "error_description": description}` with `status`. */
export class RestError extends Error {
  readonly code: RestErrorCode
  readonly status: number

  constructor(code: RestErrorCode) {
    const [status, description] = REST_ERRORS[code]
    super(description)
    this.name = 'RestError'
    this.code = code
    this.status = status
  }

  /** The JSON body Bitrix24 sends for this error. */
  toBody(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.message }
  }
}

/** Throws the documented error `code`. */
export function fail(code: RestErrorCode): never {
  throw new RestError(code)
}
