/** Error classes with a stable `code`; HTTP ones carry `statusCode`. Wrapping keeps `{ cause }`. */

/** An error with a stable, machine-readable code. */
export class AppError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AppError'
    this.code = code
  }
}

/** A request the service refuses: mapped to a 4xx JSON answer by the central error handler. */
export class HttpError extends AppError {
  readonly statusCode: number
  constructor(statusCode: number, code: string, message: string, options?: ErrorOptions) {
    super(code, message, options)
    this.name = 'HttpError'
    this.statusCode = statusCode
  }
}

/** The environment does not describe a runnable service; `problems` lists every one found. */
export class ConfigError extends AppError {
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** A handler failed while processing one event; carries the event's ids for the log line. */
export class PipelineError extends AppError {
  readonly ids: Readonly<Record<string, string | number>>
  constructor(ids: Readonly<Record<string, string | number>>, cause: unknown) {
    super('HANDLER_FAILED', 'A pipeline handler threw', { cause })
    this.name = 'PipelineError'
    this.ids = ids
  }
}

/** A handler's `ctx.api` call failed: `code` is Bitrix24's error code, or `NO_PORTAL_AUTH` without a portal client. */
export class BotApiError extends AppError {
  readonly method: string
  constructor(method: string, code: string, options?: ErrorOptions) {
    super(code, `${method} failed: ${code}`, options)
    this.name = 'BotApiError'
    this.method = method
  }
}
