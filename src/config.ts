/**
 * Reads and validates every environment variable once, at start. All problems are reported together (by
 * variable name, never echoing a secret's value), and the result is a frozen object.
 */
import { ConfigError } from './errors.js'

/** Log levels pino accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The validated service configuration. */
export interface Config {
  readonly port: number
  readonly host: string
  readonly logLevel: LogLevel
  /** Incoming-webhook base URL `https://portal/rest/<userId>/<secret>/`. */
  readonly webhookUrl: string
  readonly botId: number
  readonly botToken: string
  readonly applicationToken: string | undefined
  readonly eventsSecret: string | undefined
  /** PEM file with extra CA certificates to trust for the portal (added to Node's default roots). */
  readonly caFile: string | undefined
  readonly rateBurst: number
  readonly ratePerSec: number
  /** Most REST requests in flight to one portal at once. */
  readonly maxInFlight: number
  /** Upper bound on dialogs with a pending read; beyond it the oldest pending dialog is read at once and dropped. */
  readonly maxPendingDialogs: number
  /** Most dialogs whose events run through the pipeline at once. */
  readonly pipelineConcurrency: number
  /** Most events accepted but not yet through the pipeline; beyond it intake answers 503. */
  readonly maxQueuedEvents: number
  readonly bodyLimitBytes: number
  readonly requestTimeoutMs: number
}

type Env = Readonly<Record<string, string | undefined>>

const HOOK_PATH = /^\/rest\/(?:api\/)?(\d+)\/([^/]+)\/?$/

/** Validates `env` and returns the config, or throws a `ConfigError` listing every problem. */
export function loadConfig(env: Env): Config {
  const problems: string[] = []
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return n
  }
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min || n > max) {
      problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return n
  }

  const logLevelRaw = str('LOG_LEVEL') ?? 'info'
  const logLevel = LOG_LEVELS.find((l) => l === logLevelRaw)
  if (logLevel === undefined) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`)

  const webhookUrl = str('B24_WEBHOOK_URL')
  if (webhookUrl === undefined) {
    problems.push('B24_WEBHOOK_URL is required: the incoming webhook URL https://<portal>/rest/<userId>/<secret>/')
  } else {
    const reason = checkWebhookUrl(webhookUrl)
    if (reason) problems.push(`B24_WEBHOOK_URL ${reason}`)
  }

  const botIdRaw = str('B24_BOT_ID')
  let botId = 0
  if (botIdRaw === undefined) problems.push('B24_BOT_ID is required: the numeric id of the registered bot')
  else if (!/^[1-9]\d{0,15}$/.test(botIdRaw)) problems.push(`B24_BOT_ID must be a positive integer (got "${botIdRaw}")`)
  else botId = Number(botIdRaw)

  const botToken = str('B24_BOT_TOKEN')
  if (botToken === undefined) problems.push('B24_BOT_TOKEN is required: the botToken the bot was registered with')

  const applicationToken = str('B24_APPLICATION_TOKEN')
  const eventsSecret = str('B24_EVENTS_SECRET')
  if (applicationToken === undefined && eventsSecret === undefined) {
    problems.push(
      'set B24_APPLICATION_TOKEN (compared with auth[application_token] of each event) and/or B24_EVENTS_SECRET ' +
        '(events accepted only at /bitrix24/events/<secret>): without either, anyone could post events',
    )
  }
  if (eventsSecret !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(eventsSecret)) {
    problems.push('B24_EVENTS_SECRET must be 16 to 128 characters of A-Z, a-z, 0-9, "_" or "-"')
  }

  const config: Config = {
    port: int('PORT', 3000, 0, 65535),
    host: str('HOST') ?? '0.0.0.0',
    logLevel: logLevel ?? 'info',
    webhookUrl: webhookUrl ?? '',
    botId,
    botToken: botToken ?? '',
    applicationToken,
    eventsSecret,
    caFile: str('B24_CA_FILE'),
    rateBurst: int('B24_RATE_BURST', 50, 1, 10_000),
    ratePerSec: num('B24_RATE_PER_SEC', 2, 0.01, 1000),
    maxInFlight: int('B24_MAX_IN_FLIGHT', 4, 1, 64),
    maxPendingDialogs: int('MAX_PENDING_DIALOGS', 200_000, 1, 10_000_000),
    pipelineConcurrency: int('PIPELINE_CONCURRENCY', 64, 1, 10_000),
    maxQueuedEvents: int('MAX_QUEUED_EVENTS', 100_000, 1, 10_000_000),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    requestTimeoutMs: int('B24_REQUEST_TIMEOUT_MS', 15_000, 100, 120_000),
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(config)
}

/** Says what is wrong with an incoming-webhook URL, without repeating its secret; undefined when it is fine. */
export function checkWebhookUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a valid URL'
  }
  if (url.protocol !== 'https:') return 'must use https:// (Bitrix24 and the SDK require it)'
  if (!HOOK_PATH.test(url.pathname)) return 'must look like https://<portal>/rest/<userId>/<secret>/'
  return undefined
}

/** The secret path segment of an incoming-webhook URL, so logs can scrub it. */
export function webhookSecretOf(webhookUrl: string): string | undefined {
  try {
    return HOOK_PATH.exec(new URL(webhookUrl).pathname)?.[2]
  } catch {
    return undefined
  }
}
