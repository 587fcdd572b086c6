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

/** Runtime secrets kept for scrubbing at most (an OAuth app adds each portal's tokens as they rotate). */
export const MAX_SECRETS = 20_000

/** Characters that URL encoding leaves alone: a secret made only of them is found inside one run of them. */
const TOKEN_RUN = /[A-Za-z0-9_.~-]+/g
const TOKEN_ONLY = /^[A-Za-z0-9_.~-]+$/

/**
 * Holds the secret values to scrub; more can be added at run time (e.g. OAuth access tokens from events). Token-shaped
 * secrets (OAuth tokens, application tokens: the many) are looked up in a set, window by window inside each run of
 * token characters, so a line costs the same with twenty thousand of them as with ten; any other secret (a
 * configured one with `/`, `+`, `:`...) is matched raw and URL-encoded by one small regular expression.
 */
export class SecretScrubber {
  readonly #runtime = new BoundedSet<string>(MAX_SECRETS)
  readonly #pinned = new Set<string>()
  /** The lengths of token-shaped secrets ever added, longest first (the windows to look up). */
  #lengths: number[] = []
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
    if (TOKEN_ONLY.test(value)) {
      if (!this.#lengths.includes(value.length)) this.#lengths = [...this.#lengths, value.length].sort((a, b) => b - a)
      return
    }
    const alternatives = [...this.#pinned, ...this.#runtime]
      .filter((s) => !TOKEN_ONLY.test(s))
      .sort((a, b) => b.length - a.length)
      .flatMap((s) => [s, encodeURIComponent(s)])
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    this.#pattern = new RegExp(alternatives.join('|'), 'g')
  }

  /** Returns `text` with every registered secret replaced by `[REDACTED]`. */
  scrub(text: string): string {
    const scrubbed = this.#pattern ? text.replace(this.#pattern, '[REDACTED]') : text
    return this.#lengths.length === 0 ? scrubbed : scrubbed.replace(TOKEN_RUN, (run) => this.#scrubRun(run))
  }

  /** A run of token characters with each registered secret in it (the longest at each place) replaced. */
  #scrubRun(run: string): string {
    const shortest = this.#lengths[this.#lengths.length - 1] ?? 0
    if (run.length < shortest) return run
    let out = ''
    let copied = 0
    let at = 0
    while (at + shortest <= run.length) {
      const length = this.#lengths.find((n) => at + n <= run.length && this.#has(run.slice(at, at + n)))
      if (length === undefined) {
        at++
        continue
      }
      out += `${run.slice(copied, at)}[REDACTED]`
      at += length
      copied = at
    }
    return copied === 0 ? run : out + run.slice(copied)
  }

  #has(value: string): boolean {
    return this.#runtime.has(value) || this.#pinned.has(value)
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
