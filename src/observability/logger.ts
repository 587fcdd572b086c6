/**
 * pino options for the service: JSON lines, fixed redaction paths, and a last-line scrub that replaces any
 * known secret value (bot token, webhook secret, application token, access tokens) wherever it appears.
 */
import { type DestinationStream, type Logger, pino } from 'pino'
import { BoundedSet } from '../util/bounded.js'
import { describeError } from './describe-error.js'

/** Paths that never reach a log line, whatever the value. */
export const REDACT_PATHS = [
  'botToken',
  '*.botToken',
  '*.*.botToken',
  'params.botToken',
  'auth',
  '*.auth',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'application_token',
  '*.application_token',
  'req.headers.authorization',
  'webhookUrl',
  '*.webhookUrl',
]

/** Runtime secrets kept for scrubbing at most (each log line is matched against all of them). */
export const MAX_SECRETS = 512

/** Holds the secret values to scrub; more can be added at run time (e.g. OAuth access tokens from events). */
export class SecretScrubber {
  readonly #runtime = new BoundedSet<string>(MAX_SECRETS)
  readonly #pinned = new Set<string>()
  #pattern: RegExp | undefined

  /**
   * Registers a value that must never be printed. Values shorter than 6 characters are ignored. Beyond
   * `MAX_SECRETS` the oldest runtime value (e.g. a long-rotated OAuth token) is forgotten; pinned values (the
   * configured secrets) are always kept.
   */
  add(value: string | undefined, pinned = false): void {
    if (value === undefined || value.length < 6 || this.#pinned.has(value) || this.#runtime.has(value)) return
    if (pinned) this.#pinned.add(value)
    else this.#runtime.add(value)
    const alternatives = [...this.#pinned, ...this.#runtime]
      .sort((a, b) => b.length - a.length)
      .flatMap((s) => [s, encodeURIComponent(s)])
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    this.#pattern = new RegExp(alternatives.join('|'), 'g')
  }

  /** Returns `text` with every registered secret replaced by `[REDACTED]`. */
  scrub(text: string): string {
    return this.#pattern ? text.replace(this.#pattern, '[REDACTED]') : text
  }
}

/** Options for `createLogger`. */
export interface LoggerOptions {
  readonly level: string
  readonly scrubber?: SecretScrubber
  readonly destination?: DestinationStream
}

/** Creates the service logger. */
export function createLogger(options: LoggerOptions): Logger {
  const scrubber = options.scrubber
  return pino(
    {
      level: options.level,
      base: { service: 'b24-autoread' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Every logged error takes one shape, whoever logs it: `log.error({ err }, msg)` with the thrown value.
      serializers: { err: describeError },
      hooks: scrubber ? { streamWrite: (line: string) => scrubber.scrub(line) } : {},
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  )
}
