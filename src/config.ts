/**
 * Reads and validates every environment variable once, at start. All problems are reported together (by
 * variable name, never echoing a secret's value), and the result is a frozen object.
 */

import { readAuth } from './config/auth-settings.js'
import {
  type AuthMode,
  EVENT_MODES,
  type EventMode,
  LOG_LEVELS,
  type LogLevel,
  READ_METHODS,
  type ReadMethodName,
  STATE_STORES,
  type StateStoreKind,
} from './config/choices.js'
import { type Env, envReader } from './config/env-reader.js'
import { ConfigError } from './errors.js'
import { DEFAULT_KEY_PREFIX } from './store/redis/keys.js'
import { checkRedisKeyPrefix, checkRedisUrl } from './store/redis/redis-settings.js'

export {
  AUTH_MODES,
  type AuthMode,
  DEFAULT_OAUTH_SERVER_ENDPOINT,
  EVENT_MODES,
  type EventMode,
  LOG_LEVELS,
  type LogLevel,
  READ_METHODS,
  type ReadMethodName,
  STATE_STORES,
  type StateStoreKind,
} from './config/choices.js'
export { checkWebhookUrl, webhookSecretOf } from './config/webhook-url.js'

/** The validated service configuration. */
export interface Config {
  readonly port: number
  readonly host: string
  readonly logLevel: LogLevel
  /** Incoming-webhook base URL `https://portal/rest/<userId>/<secret>/` (unused in OAuth mode). */
  readonly webhookUrl: string
  /** The bot's id; 0 in OAuth mode when unset (then every bot of the app is served). */
  readonly botId: number
  /** The botToken (webhook auth); empty in OAuth mode, where it is never sent. */
  readonly botToken: string
  readonly applicationToken: string | undefined
  readonly eventsSecret: string | undefined
  /** PEM file with extra CA certificates to trust for the portal (added to Node's default roots). */
  readonly caFile: string | undefined
  /**
   * Where pending reads, dedupe keys and offsets are kept: `lmdb` on disk (default), `redis` (shared by replicas,
   * `REDIS_URL`) or `memory` (lost on exit).
   */
  readonly stateStore: StateStoreKind
  /** Directory of the on-disk state store. */
  readonly stateDir: string
  /** `REDIS_URL` for the shared store: `redis://` or `rediss://` (TLS), user, password and database in it. Secret. */
  readonly redisUrl: string | undefined
  /** `REDIS_KEY_PREFIX`: every Redis key of this deployment starts with it, so deployments can share a server. */
  readonly redisKeyPrefix: string
  /** `STATE_STORE=redis`: how often pending reads are swept for reads a dead replica left behind. */
  readonly takeoverIntervalMs: number
  /** How long a graceful shutdown may drain events and flush reads before leaving the rest in the store. */
  readonly shutdownTimeoutMs: number
  readonly rateBurst: number
  readonly ratePerSec: number
  /**
   * `B24_CALL_RESERVE`: the share (0 to 0.5) of the burst that reads leave to the handlers' own calls (`ctx.api`) and
   * other calls, while such calls were made in the last minute; calls also go before reads.
   */
  readonly callReserve: number
  /** Most REST requests in flight to one portal at once. */
  readonly maxInFlight: number
  /** Upper bound on dialogs with a pending read; beyond it a new dialog's event is refused with 503 `OVERLOADED`. */
  readonly maxPendingDialogs: number
  /**
   * `MAX_PENDING_DIALOGS_TOTAL`: the same bound across every portal together (OAuth mode serves many); beyond it a new
   * dialog's event on any portal is refused with 503 `OVERLOADED`.
   */
  readonly maxPendingDialogsTotal: number
  /** `OAUTH_PORTAL_IDLE_MS`: an OAuth portal with nothing pending and no event this long is evicted from memory. */
  readonly portalIdleMs: number
  /** `READ_PARK_AFTER_MS`: a dialog failing on its own this long has its read parked (kept, retried later). */
  readonly readParkAfterMs: number
  /** `READ_PROBE_INTERVAL_MS`: while a configuration error pauses reads, one read probes the portal this often. */
  readonly readProbeIntervalMs: number
  /** `READ_SWEEP_INTERVAL_MS`: how often stored reads nobody is sending (refused at the bound, parked) are retried. */
  readonly readSweepIntervalMs: number
  /** Most dialogs whose events run through the pipeline at once. */
  readonly pipelineConcurrency: number
  /** Most events accepted but not yet through the pipeline; beyond it intake answers 503. */
  readonly maxQueuedEvents: number
  /** How long handlers may run on one event before its read is requested anyway and the dialog's lane moves on. */
  readonly handlerTimeoutMs: number
  readonly bodyLimitBytes: number
  readonly requestTimeoutMs: number
  /** `webhook` (default) or `fetch` (poll `imbot.v2.Event.get`; no webhook route is served). */
  readonly eventMode: EventMode
  /** Fetch mode: events per `imbot.v2.Event.get` page (1 to 1000). */
  readonly fetchLimit: number
  /** Fetch mode: the wait between polls while the queue is empty (errors back off from it). */
  readonly pollIntervalMs: number
  /** The method that marks messages read. */
  readonly readMethod: ReadMethodName
  /** `webhook` (one portal; `webhookUrl`, `botToken`) or `oauth` (an app on many portals; tokens from events). */
  readonly authMode: AuthMode
  /** OAuth mode: the app's client_id and client_secret, for refreshing tokens. */
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
  /** OAuth mode: where tokens are refreshed; configured, never taken from events (they must not collect the secret). */
  readonly oauthServerEndpoint: string
  /** OAuth mode: the bot each install registers (`B24_BOT_CODE`, `B24_BOT_NAME`) and its public events URL. */
  readonly install: { readonly botCode: string; readonly botName: string; readonly publicUrl: string | undefined }
  /** OAuth mode: `B24_TOKEN_KEY`, the 32-byte key (64 hex digits or base64) sealing stored tokens (AES-256-GCM). */
  readonly tokenKey: string | undefined
}

/** Validates `env` and returns the config, or throws a `ConfigError` listing every problem. */
export function loadConfig(env: Env): Config {
  const problems: string[] = []
  const { str, int, num, oneOf } = envReader(env, problems)
  const logLevelRaw = str('LOG_LEVEL') ?? 'info'
  const logLevel = LOG_LEVELS.find((l) => l === logLevelRaw)
  if (logLevel === undefined) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`)

  const eventMode = oneOf('B24_EVENT_MODE', EVENT_MODES, 'webhook')
  const readMethod = oneOf('B24_READ_METHOD', READ_METHODS, 'imbot.v2.Chat.Message.read')
  const { authMode, oauth, clientId, clientSecret, webhookUrl, oauthServerEndpoint, tokenKey, publicUrl } = readAuth(
    { str, oneOf },
    problems,
    eventMode,
    readMethod,
  )

  const botIdRaw = str('B24_BOT_ID')
  let botId = 0
  if (botIdRaw === undefined) {
    if (!oauth) problems.push('B24_BOT_ID is required: the numeric id of the registered bot')
  } else if (!/^[1-9]\d{0,15}$/.test(botIdRaw)) {
    problems.push(`B24_BOT_ID must be a positive integer (got "${botIdRaw}")`)
  } else {
    botId = Number(botIdRaw)
  }

  const botToken = str('B24_BOT_TOKEN')
  if (botToken === undefined && !oauth) {
    problems.push('B24_BOT_TOKEN is required: the botToken the bot was registered with')
  }

  const applicationToken = str('B24_APPLICATION_TOKEN')
  const eventsSecret = str('B24_EVENTS_SECRET')
  if (eventMode === 'webhook' && applicationToken === undefined && eventsSecret === undefined) {
    problems.push(
      'set B24_APPLICATION_TOKEN (compared with auth[application_token] of each event) and/or B24_EVENTS_SECRET ' +
        '(events accepted only at /bitrix24/events/<secret>): without either, anyone could post events',
    )
  }
  if (eventsSecret !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(eventsSecret)) {
    problems.push('B24_EVENTS_SECRET must be 16 to 128 characters of A-Z, a-z, 0-9, "_" or "-"')
  }

  const stateStore = oneOf('STATE_STORE', STATE_STORES, 'lmdb')

  const redisUrl = str('REDIS_URL')
  if (stateStore === 'redis' && redisUrl === undefined) {
    problems.push(
      'REDIS_URL is required with STATE_STORE=redis: redis://[user:password@]host:6379/0 (rediss:// for TLS)',
    )
  }
  const redisUrlProblem = redisUrl === undefined ? undefined : checkRedisUrl(redisUrl)
  if (redisUrlProblem) problems.push(`REDIS_URL ${redisUrlProblem}`)
  const redisKeyPrefix = env.REDIS_KEY_PREFIX ?? DEFAULT_KEY_PREFIX
  const prefixProblem = checkRedisKeyPrefix(redisKeyPrefix)
  if (prefixProblem) problems.push(`REDIS_KEY_PREFIX ${prefixProblem}`)

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
    stateStore,
    stateDir: str('STATE_DIR') ?? './data',
    redisUrl,
    redisKeyPrefix,
    takeoverIntervalMs: int('REDIS_TAKEOVER_INTERVAL_MS', 5_000, 100, 600_000),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    rateBurst: int('B24_RATE_BURST', 50, 1, 10_000),
    ratePerSec: num('B24_RATE_PER_SEC', 2, 0.01, 1000),
    callReserve: num('B24_CALL_RESERVE', 0.1, 0, 0.5),
    maxInFlight: int('B24_MAX_IN_FLIGHT', 4, 1, 64),
    maxPendingDialogs: int('MAX_PENDING_DIALOGS', 200_000, 1, 10_000_000),
    maxPendingDialogsTotal: int('MAX_PENDING_DIALOGS_TOTAL', 1_000_000, 1, 100_000_000),
    portalIdleMs: int('OAUTH_PORTAL_IDLE_MS', 300_000, 1_000, 86_400_000),
    readParkAfterMs: int('READ_PARK_AFTER_MS', 600_000, 0, 86_400_000),
    readProbeIntervalMs: int('READ_PROBE_INTERVAL_MS', 30_000, 10, 3_600_000),
    readSweepIntervalMs: int('READ_SWEEP_INTERVAL_MS', 60_000, 10, 3_600_000),
    pipelineConcurrency: int('PIPELINE_CONCURRENCY', 64, 1, 10_000),
    maxQueuedEvents: int('MAX_QUEUED_EVENTS', 100_000, 1, 10_000_000),
    handlerTimeoutMs: int('HANDLER_TIMEOUT_MS', 5_000, 1, 600_000),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    requestTimeoutMs: int('B24_REQUEST_TIMEOUT_MS', 15_000, 100, 120_000),
    eventMode,
    fetchLimit: int('B24_FETCH_LIMIT', 100, 1, 1000),
    pollIntervalMs: int('B24_POLL_INTERVAL_MS', 5_000, 10, 600_000),
    readMethod,
    authMode,
    clientId,
    clientSecret,
    oauthServerEndpoint,
    tokenKey: oauth ? tokenKey : undefined,
    install: { botCode: str('B24_BOT_CODE') ?? 'autoread', botName: str('B24_BOT_NAME') ?? 'Autoread', publicUrl },
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(config)
}
