/** The CLI's output channels, exit codes and the failures commands report through them. */
import type { RestError } from '../bitrix/port.js'
import { errorHelp } from './error-help.js'

/** Where the CLI writes; tests pass buffers, the entry passes the process streams. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
}

/** Exit codes: distinct for a bad command line, an unusable environment and a portal that refused or failed. */
export const EXIT = { ok: 0, portal: 1, usage: 2, config: 3 } as const

/** A CLI exit code. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** A failure a command reports: its exit code, a stable code and a message (never a secret). */
export class CliFailure extends Error {
  readonly exit: ExitCode
  readonly code: string
  readonly status: number | undefined
  readonly action: string | undefined

  constructor(exit: ExitCode, code: string, message: string, extra: { status?: number; action?: string } = {}) {
    super(message)
    this.name = 'CliFailure'
    this.exit = exit
    this.code = code
    this.status = extra.status
    this.action = extra.action
  }
}

/** A usage error: the command line is wrong. */
export function usageError(message: string): CliFailure {
  return new CliFailure(EXIT.usage, 'USAGE', message, { action: 'run `b24-autoread --help`' })
}

/** A portal error, explained from the table. */
export function portalError(error: RestError): CliFailure {
  const { meaning, action } = errorHelp(error.code, error.message)
  return new CliFailure(EXIT.portal, error.code, meaning, { status: error.status, action })
}

/** Writes a failure: one JSON object on stdout with `--json`, otherwise two lines on stderr. */
export function printFailure(io: CliIo, command: string, failure: CliFailure, json: boolean): void {
  if (json) {
    const error = {
      code: failure.code,
      message: failure.message,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.action !== undefined ? { action: failure.action } : {}),
    }
    io.out(`${JSON.stringify({ ok: false, command, error })}\n`)
    return
  }
  io.err(`b24-autoread ${command}: ${failure.code}: ${failure.message}\n`)
  if (failure.action !== undefined) io.err(`  what to do: ${failure.action}\n`)
}
