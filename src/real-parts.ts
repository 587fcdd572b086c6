/**
 * The real parts of a service, from its config: a logger that scrubs every configured secret (and each OAuth token
 * as it appears), the configured state store, and the SDK's ports trusting `B24_CA_FILE`. The process entry and the
 * in-process end-to-end tests both build the service from these.
 */
import { readFileSync } from 'node:fs'
import type { DestinationStream, Logger } from 'pino'
import { createWebhookPort } from './bitrix/b24-adapter.js'
import { createBotConnection } from './bitrix/b24-bot-adapter.js'
import { createOAuthConnection, type OAuthAppOptions, oauthServerRefresh } from './bitrix/b24-oauth-adapter.js'
import type { BitrixPort } from './bitrix/port.js'
import { type Config, webhookSecretOf } from './config.js'
import { AppError } from './errors.js'
import { eventsUrl } from './events/events-path.js'
import type { BotEvent } from './events/types.js'
import { botGrantOf } from './events/verify-bot-auth.js'
import { SEEN_CAPACITY } from './intake/dedupe.js'
import { createLogger, SecretScrubber } from './observability/logger.js'
import { createMetrics } from './observability/metrics.js'
import { routeMethod } from './reads/method-route.js'
import { onePortal, type PortalSource, singlePortal } from './reads/portal-registry.js'
import type { ServiceParts } from './service.js'
import { LmdbStore } from './store/lmdb-store.js'
import { MemoryStore } from './store/memory-store.js'
import { openRedisStore, redisPasswordOf } from './store/open-redis-store.js'
import { redisPollerTurns, redisReplicaParts } from './store/redis-replica-parts.js'
import { RedisStore } from './store/redis-store.js'
import type { StateStore } from './store/state-store.js'
import { appLifecycle, resumeRegistrations } from './tenants/app-lifecycle.js'
import { BotRegistrations } from './tenants/bot-registrations.js'
import { oauthTenants } from './tenants/oauth-tenants.js'
import { parseTokenKey, tokenBox } from './tenants/token-box.js'

/** Options for `realParts`. */
export interface RealPartsOptions {
  /** Where log lines go (default stdout). */
  readonly logDestination?: DestinationStream
  /** Milliseconds since the epoch, for the OAuth portals' idle times (default `Date.now`). */
  readonly clock?: () => number
}

/** The real logger, state store and portal source of `config`; throws `AppError` when `STATE_DIR` is unusable. */
export async function realParts(config: Config, options: RealPartsOptions = {}): Promise<ServiceParts> {
  const scrubber = new SecretScrubber()
  const { botToken, applicationToken, eventsSecret, clientSecret } = config
  const { redisUrl } = config
  for (const secret of [botToken, applicationToken, eventsSecret, webhookSecretOf(config.webhookUrl), clientSecret]) {
    scrubber.add(secret, true)
  }
  // REDIS_URL carries the Redis password: neither the URL nor the password may reach a log line.
  for (const secret of [redisUrl, redisPasswordOf(redisUrl)]) scrubber.add(secret, true)
  const log = createLogger({
    level: config.logLevel,
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  })
  const store = await openStore(config, log)
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined
  const portals = portalSource(config, ca, log, scrubber, store, options.clock ?? Date.now)
  const parts: ServiceParts = { log, store, portals, ...(options.clock ? { clock: options.clock } : {}) }
  if (!(store instanceof RedisStore)) return parts
  // The metrics are made here so the shared parts can report lease outcomes into them.
  const metrics = createMetrics()
  return {
    ...parts,
    metrics,
    replicas: redisReplicaParts(store, config, metrics.shared.lease),
    pollerTurn: redisPollerTurns(store, config, log.child({ mod: 'fetch' }), metrics.shared.pollerTurn),
  }
}

/**
 * One webhook portal (reading with the bot's own v1 tokens when the read method is `im.dialog.read`), or an OAuth
 * app's portals, each verified with the OAuth server and kept sealed in `store`.
 */
function portalSource(
  config: Config,
  ca: string | undefined,
  log: Logger,
  scrubber: SecretScrubber,
  store: StateStore,
  clock: () => number,
): PortalSource {
  if (config.authMode === 'oauth') {
    const app = oauthApp(config, ca, log, scrubber)
    const key = parseTokenKey(config.tokenKey ?? '')
    if (key === undefined) throw new AppError('CONFIG_INVALID', { message: 'B24_TOKEN_KEY is required in OAuth mode' })
    const box = tokenBox(key)
    const refresh = oauthServerRefresh(app)
    const { botCode, botName, publicUrl } = config.install
    const webhookUrl = publicUrl === undefined ? undefined : eventsUrl(publicUrl, config.eventsSecret ?? '')
    const bot = { code: botCode, name: botName, webhookUrl }
    return (build) => {
      const tenants = oauthTenants({
        store,
        box,
        refresh,
        build,
        log,
        idleMs: config.portalIdleMs,
        now: clock,
        connect: (record, onTokens, latest) => {
          for (const secret of [record.accessToken, record.refreshToken, record.applicationToken]) scrubber.add(secret)
          const auth = {
            ...record,
            serverEndpoint: undefined,
            domain: new URL(record.clientEndpoint).host,
            userId: undefined,
            scope: undefined,
            status: undefined,
          }
          return createOAuthConnection(app, auth, onTokens, latest)
        },
      })
      const registrations = new BotRegistrations({
        log,
        onPending: (portal, code) => void tenants.markBot(portal, code),
      })
      resumeRegistrations(tenants, bot, registrations)
      return {
        ...tenants,
        appEvent: appLifecycle(tenants, bot, log, registrations),
        installIssues: () => registrations.issues(),
        stop: () => registrations.stop(),
      }
    }
  }
  const port = createWebhookPort({
    webhookUrl: config.webhookUrl,
    timeoutMs: config.requestTimeoutMs,
    log,
    ...(ca ? { ca } : {}),
  })
  return config.readMethod === 'im.dialog.read'
    ? botReadPortal(config, port, oauthApp(config, ca, log, scrubber))
    : onePortal(port)
}

/**
 * The webhook portal whose reads (`im.dialog.read`, acting as the caller) go out with the bot's own tokens from v1
 * events, and never as the webhook's user: an event to be read without such tokens is refused (see `admit`).
 */
function botReadPortal(config: Config, port: BitrixPort, app: OAuthAppOptions): PortalSource {
  const portalHost = new URL(config.webhookUrl).host
  const bot = createBotConnection(app, portalHost)
  const check = { portalHost, applicationToken: config.applicationToken }
  const admit = async (event: BotEvent): Promise<void> => {
    if (event.type !== 'ONIMBOTV2MESSAGEADD') return
    const grant = botGrantOf(event, check)
    for (const secret of [grant.accessToken, grant.refreshToken]) if (secret) app.onSecret(secret)
    bot.adopt(grant)
  }
  return (build) => ({ ...singlePortal(build(port.portal, routeMethod(port, 'im.dialog.read', bot.port))), admit })
}

/** The OAuth app settings every portal's client shares; each token it starts using is scrubbed from logs. */
function oauthApp(config: Config, ca: string | undefined, log: Logger, scrubber: SecretScrubber): OAuthAppOptions {
  return {
    clientId: config.clientId ?? '',
    clientSecret: config.clientSecret ?? '',
    serverEndpoint: config.oauthServerEndpoint,
    timeoutMs: config.requestTimeoutMs,
    log,
    onSecret: (value) => scrubber.add(value),
    ...(ca ? { ca } : {}),
  }
}

/** Opens the configured state store; an unusable `STATE_DIR` or an unreachable Redis stops the start with a clear message. */
async function openStore(config: Config, log: Logger): Promise<StateStore> {
  if (config.stateStore === 'memory') return new MemoryStore({ seenCapacity: SEEN_CAPACITY })
  if (config.stateStore === 'redis')
    return openRedisStore({ ...config, seenCapacity: SEEN_CAPACITY }, log.child({ mod: 'redis' }))
  try {
    return await LmdbStore.open({ dir: config.stateDir, seenCapacity: SEEN_CAPACITY })
  } catch (err) {
    const message = `cannot open the state store in STATE_DIR=${config.stateDir}: ${String(err)}`
    throw new AppError('STATE_DIR_UNUSABLE', { message, cause: err })
  }
}
