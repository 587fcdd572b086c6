/**
 * Error classes whose `code` comes from the table in `error-codes.ts`; HTTP ones carry the table's `statusCode`.
 * Wrapping keeps `{ cause }`; `context` holds ids that are safe to log (never a secret, a body or a URL).
 */
import { ERROR_CODES, type ErrorCode, type HttpErrorCode } from './error-codes.js'

/** Ids and numbers that locate an error (event ids, a limit); safe to log. */
export type ErrorContext = Readonly<Record<string, string | number | boolean>>

/** What an error may say beyond its code: a more specific message than the table's, the cause, context. */
export interface ErrorDetails {
  /** Replaces the table's message when the specifics help (a limit, the bad fields); must still say what to do. */
  readonly message?: string
  readonly cause?: unknown
  readonly context?: ErrorContext
}

/** An error with a stable, machine-readable code from the table. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly context: ErrorContext
  constructor(code: ErrorCode, details: ErrorDetails = {}) {
    super(details.message ?? ERROR_CODES[code].message, 'cause' in details ? { cause: details.cause } : undefined)
    this.name = 'AppError'
    this.code = code
    this.context = details.context ?? {}
  }
}

/** A request the service refuses: the central error handler answers `statusCode` with `{ ok: false, error, message }`. */
export class HttpError extends AppError {
  override readonly code: HttpErrorCode
  readonly statusCode: number
  constructor(code: HttpErrorCode, details: ErrorDetails = {}) {
    super(code, details)
    this.name = 'HttpError'
    this.code = code
    this.statusCode = ERROR_CODES[code].status
  }
}

/** The environment does not describe a runnable service; `problems` lists every one found. */
export class ConfigError extends AppError {
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', { message: `Invalid configuration:\n  - ${problems.join('\n  - ')}` })
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** A handler failed while processing one event; carries the event's ids, and the handler's error as `cause`. */
export class PipelineError extends AppError {
  readonly ids: ErrorContext
  constructor(ids: ErrorContext, cause: unknown) {
    super('HANDLER_FAILED', { cause, context: ids })
    this.name = 'PipelineError'
    this.ids = ids
  }
}
