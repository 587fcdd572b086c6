/**
 * The error thrown where a portal's (or the network's) refusal must travel as an exception: a handler's `ctx.api`
 * call, an OAuth token refresh inside the SDK. Its `code` and `status` are the portal's vocabulary (`BOT_NOT_FOUND`,
 * `invalid_grant`, `REQUEST_TIMEOUT`, ...), not the service's table, so `restErrorOf` and `classifyError` read it
 * like any other portal answer.
 */
import type { RestError } from './port.js'

/** A REST call (or token refresh) the portal refused or could not be reached for; fields are safe to log. */
export class RestCallError extends Error implements RestError {
  readonly code: string
  readonly status: number

  constructor(error: RestError, options?: ErrorOptions) {
    super(error.message, options)
    this.name = 'RestCallError'
    this.code = error.code
    this.status = error.status
  }
}

/** A handler's `ctx.api` call failed: `code` is Bitrix24's error code, or `NO_PORTAL_AUTH` without a portal client. */
export class BotApiError extends RestCallError {
  readonly method: string
  constructor(method: string, error: Pick<RestError, 'code' | 'status'>, options?: ErrorOptions) {
    super({ ...error, message: `${method} failed: ${error.code}` }, options)
    this.name = 'BotApiError'
    this.method = method
  }
}
