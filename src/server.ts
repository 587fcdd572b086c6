/**
 * The composition root: reads the environment, builds the real SDK port, the portal gate, the read scheduler,
 * the pipeline and the app, listens, and handles signals. Run as `node dist/server.js`; teams that add handlers
 * call `startServer({ handlers })` from their own entry file (see examples/).
 */
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import { buildApp } from './app.js'
import { createWebhookPort } from './bitrix/b24-adapter.js'
import { createOAuthConnection, isUsableAuth, type OAuthAppOptions } from './bitrix/b24-oauth-adapter.js'
import type { BitrixPort } from './bitrix/port.js'
import { type Config, loadConfig, webhookSecretOf } from './config.js'
import { ConfigError, HttpError } from './errors.js'
import { parseV1Event } from './events/parse-v1.js'
import type { BotEvent } from './events/types.js'
import { createIntake } from './intake/accept-event.js'
import { RecentKeys } from './intake/dedupe.js'
import { FetchPoller } from './intake/fetch-poller.js'
import { FetchProgress } from './intake/fetch-progress.js'
import { persistEvent } from './intake/persist-event.js'
import { isMainModule } from './is-main.js'
import { ConnectionWatch } from './observability/connection-watch.js'
import { instrumentPort } from './observability/instrument-port.js'
import { createLogger, SecretScrubber } from './observability/logger.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { metricsRoute } from './observability/metrics-route.js'
import { portalAuthCheck, portalOverloadCheck, ReadinessChecks } from './observability/readiness.js'
import type { Middleware } from './pipeline/compose.js'
import type { BotApiCall, EventContext } from './pipeline/context.js'
import { Lanes } from './pipeline/lanes.js'
import { createEventRunner } from './pipeline/run-event.js'
import { falseMeansDenied } from './reads/false-means-denied.js'
import { gatedCall } from './reads/gated-call.js'
import { PortalGate } from './reads/portal-gate.js'
import {
  combinedSnapshot,
  everyPortal,
  oauthPortals,
  type PortalEntry,
  type PortalRegistry,
  singlePortal,
} from './reads/portal-registry.js'
import { imbotV2Read, imDialogRead } from './reads/read-method.js'
import { ReadScheduler } from './reads/read-scheduler.js'
import { durableReadsObserver, replayPending } from './store/durable-reads.js'
import { LmdbStore } from './store/lmdb-store.js'
import { MemoryStore } from './store/memory-store.js'
import { type OffsetStore, storedOffset } from './store/offset-store.js'
import type { StateStore } from './store/state-store.js'

/** Options for starting the service. */
export interface StartOptions {
  /** Extra pipeline stages, run in order after the built-in logging stage and before the read. */
  readonly handlers?: readonly Middleware<EventContext>[]
  /** The environment to read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Where log lines go (default stdout). */
  readonly logDestination?: DestinationStream
  /** Install SIGTERM/SIGINT handlers (default true when run as the main module). */
  readonly handleSignals?: boolean
  /** Fetch mode: where the `imbot.v2.Event.get` offset is kept (default: the state store). */
  readonly offsetStore?: OffsetStore
}

/** A running service. */
export interface RunningService {
  readonly app: FastifyInstance
  /** `http://host:port` the server listens on. */
  readonly url: string
  readonly config: Config
  readonly log: Logger
  /** The read scheduler and gate of the webhook portal (OAuth mode: of the first portal; see `portals`). */
  readonly reads: ReadScheduler
  readonly gate: PortalGate
  /** Every portal the service calls: one with webhook auth, one per `member_id` for an OAuth app. */
  readonly portals: PortalRegistry
  /** Fetch mode's poller (undefined in webhook mode). */
  readonly poller: FetchPoller | undefined
  /** The service's own Prometheus registry and recorders (served at `/metrics`). */
  readonly metrics: Metrics
  /** The named checks behind `/readyz`; add one with `readiness.set(name, check)`. */
  readonly readiness: ReadinessChecks
  /** Pending reads, dedupe keys and offsets that survive a restart. */
  readonly store: StateStore
  /** Stops intake (503), drains the pipeline, flushes pending reads within `SHUTDOWN_TIMEOUT_MS`; the rest stays stored. */
  close(): Promise<void>
}

/** Starts the service: validates config (throws `ConfigError`), builds everything, listens. */
export async function startServer(options: StartOptions = {}): Promise<RunningService> {
  const config = loadConfig(options.env ?? process.env)
  const scrubber = new SecretScrubber()
  for (const secret of [
    config.botToken,
    config.applicationToken,
    config.eventsSecret,
    webhookSecretOf(config.webhookUrl),
    config.clientSecret,
  ]) {
    scrubber.add(secret, true)
  }
  const log = createLogger({
    level: config.logLevel,
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  })
  const metrics = createMetrics()
  const connections = new ConnectionWatch()
  const store = await openStore(config)
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined
  const oauth = config.authMode === 'oauth'
  const botIds = config.botId > 0 ? new Set([config.botId]) : undefined
  // Fetch mode confirms an Event.get offset only once the events below it are processed and their reads settled.
  const progress =
    config.eventMode === 'fetch'
      ? new FetchProgress({
          store: options.offsetStore ?? storedOffset(store, `fetch:${config.botId}`),
          confirmedId: (botId, dialogId) => portals.entries()[0]?.reads.confirmedId(botId, dialogId) ?? 0,
          log: log.child({ mod: 'fetch' }),
        })
      : undefined
  const portals = oauth
    ? oauthPortals({
        connect: (auth) =>
          isUsableAuth(auth) ? createOAuthConnection(oauthApp(config, ca, log, scrubber), auth) : undefined,
        build: buildPortal,
        log,
      })
    : singlePortal(
        buildPortal(
          new URL(config.webhookUrl).host,
          createWebhookPort({
            webhookUrl: config.webhookUrl,
            timeoutMs: config.requestTimeoutMs,
            log,
            ...(ca ? { ca } : {}),
          }),
        ),
      )
  /** One portal's gate and read scheduler around its port (the only place they are built). */
  function buildPortal(key: string, sdkPort: BitrixPort): PortalEntry {
    const dialogRead = config.readMethod === 'im.dialog.read'
    const port = instrumentPort(dialogRead ? falseMeansDenied(sdkPort) : sdkPort, metrics.rest, { watch: connections })
    const gate = new PortalGate({
      burst: config.rateBurst,
      perSec: config.ratePerSec,
      maxInFlight: config.maxInFlight,
      onGrant: metrics.limiter.granted,
    })
    const reads = new ReadScheduler({
      port,
      gate,
      readMethod: dialogRead ? imDialogRead() : imbotV2Read(oauth ? undefined : config.botToken),
      log: log.child(oauth ? { mod: 'reads', portal: key } : { mod: 'reads' }),
      maxPendingDialogs: config.maxPendingDialogs,
      observers: [
        metrics.reads,
        durableReadsObserver(store, log.child({ mod: 'store' })),
        ...(progress ? [progress.observer] : []),
      ],
      // The store's watermarks carry no portal: only a one-portal deployment may consult them.
      ...(oauth ? {} : { confirmedOf: (botId: number, dialogId: string) => store.confirmedId(botId, dialogId) }),
    })
    return { key, port, gate, reads }
  }
  const webhookPortal = portals.entries()[0]
  if (webhookPortal) replayPending(store, webhookPortal.reads, log.child({ mod: 'store' }))
  const lanes = new Lanes({ concurrency: config.pipelineConcurrency, maxQueued: config.maxQueuedEvents })
  const api =
    (entry: PortalEntry | undefined) =>
    (event: BotEvent): BotApiCall => {
      return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
        if (entry === undefined) {
          throw Object.assign(new Error(`${method} failed: NO_PORTAL_AUTH`), { code: 'NO_PORTAL_AUTH' })
        }
        const auth = oauth ? {} : { botToken: config.botToken }
        const outcome = await gatedCall<T>(
          entry.gate,
          entry.port,
          { method, params: { botId: event.bot.id, ...auth, ...params } },
          { idempotent: false },
        )
        if (outcome.ok) return outcome.result
        throw Object.assign(new Error(`${method} failed: ${outcome.error.code}`), { code: outcome.error.code })
      }
    }
  // One runner per portal (they share the lanes), so each event's read and API calls go to its own portal.
  const runners = new Map<PortalEntry | undefined, ReturnType<typeof createEventRunner>>()
  const runnerOf = (entry: PortalEntry | undefined) => {
    let runner = runners.get(entry)
    if (runner === undefined) {
      runner = createEventRunner({
        lanes,
        handlers: options.handlers ?? [],
        requestRead: (read) => {
          if (entry === undefined) log.warn({ ...read.trace, dialogId: read.dialogId }, 'read skipped: no OAuth tokens')
          else if (!entry.reads.request(read)) progress?.readRefused(Number(read.trace?.eventId) || undefined)
        },
        api: api(entry),
        log,
        ...(progress ? { onDone: (event: BotEvent) => progress.onProcessed(event) } : {}),
      })
      runners.set(entry, runner)
    }
    return runner
  }
  const seen = new RecentKeys(SEEN_CAPACITY)
  for (const key of store.seenKeys()) seen.add(key)
  const accept = createIntake({
    botIds,
    seen,
    run: (event, receivedAt, trace) => runnerOf(portals.forEvent(event))(event, receivedAt, trace),
    persist: persistEvent(store),
    canAcceptRead: (botId, dialogId) => portals.entries().every((e) => e.reads.canAccept(botId, dialogId)),
    log,
    onOutcome: metrics.intake.eventOutcome,
  })
  const poller =
    progress && webhookPortal
      ? new FetchPoller({
          port: webhookPortal.port,
          gate: webhookPortal.gate,
          botId: config.botId,
          botToken: config.botToken,
          limit: config.fetchLimit,
          pollIntervalMs: config.pollIntervalMs,
          progress,
          accept,
          log: log.child({ mod: 'fetch' }),
          observer: metrics.fetch,
        })
      : undefined
  let shuttingDown = false
  const readiness = new ReadinessChecks()
    .set('shutdown', () => (shuttingDown ? 'the service is shutting down' : undefined))
    .set(
      'portal-auth',
      everyPortal(portals, (e) => portalAuthCheck(e.reads)()),
    )
    .set(
      'portal-overload',
      everyPortal(portals, (e) => portalOverloadCheck(e.gate)()),
    )
    .set('state-store', () => (store.isOpen() ? undefined : 'the state store is closed'))
    .set('portal-connection', connections.check)
  if (poller) {
    readiness.set('fetch', () => (poller.lastError ? `Event.get fails with ${poller.lastError.code}` : undefined))
  }
  metrics.limiter.watch({
    gate: () => combinedSnapshot(portals.entries()),
    pendingDialogs: () => portals.entries().reduce((n, e) => n + e.reads.pendingDialogs, 0),
    queuedEvents: () => lanes.size,
    ready: () => readiness.evaluate().ok,
  })
  const app = await buildApp({
    logger: log,
    bodyLimitBytes: config.bodyLimitBytes,
    // Fetch mode serves no webhook route; v1 bots' ONIMBOTMESSAGEADD is mapped onto the v2 message model.
    webhook: poller
      ? undefined
      : {
          applicationToken: config.applicationToken,
          eventsSecret: config.eventsSecret,
          // While shutting down, events get a 503 (Bitrix24 may retry them elsewhere or later); health and
          // metrics stay served until the drain is over.
          accept: (event, receivedAt, trace) =>
            shuttingDown
              ? Promise.reject(new HttpError(503, 'SHUTTING_DOWN', 'The service is shutting down; retry later'))
              : accept(event, receivedAt, trace),
          parseLegacy: (body) => parseV1Event(body, botIds),
          onRejected: metrics.intake.eventRejected,
        },
    readiness: () => readiness.evaluate(),
    plugins: [metricsRoute(metrics)],
  })
  const address = await app.listen({ port: config.port, host: config.host })
  log.info(
    {
      address,
      botId: config.botId,
      portal: webhookPortal?.port.portal ?? 'oauth',
      eventMode: config.eventMode,
      readMethod: config.readMethod,
    },
    'b24-autoread listening',
  )
  poller?.start()

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    shuttingDown = true
    closing ??= (async () => {
      // Everything below shares one deadline; what is not read by then stays in the store for the next start.
      const deadline = Date.now() + config.shutdownTimeoutMs
      const remaining = () => Math.max(0, deadline - Date.now())
      await within(poller?.stop() ?? Promise.resolve(), remaining())
      await within(lanes.idle(), remaining())
      let left = 0
      for (const entry of portals.entries()) left += await entry.reads.flush(remaining())
      for (const entry of portals.entries()) entry.gate.close()
      // The offset of every event settled by now is saved before the store closes.
      await within(progress?.flushed() ?? Promise.resolve(), remaining())
      // Requests still in flight finish (or time out) before the store they write to closes.
      await within(app.close(), Math.max(remaining(), 1_000))
      const kept = store.pendingReads().length
      await store.close()
      log.info({ pendingDialogs: left, keptInStore: kept }, 'b24-autoread stopped')
    })()
    return closing
  }
  if (options.handleSignals) {
    let signals = 0
    const onSignal = (signal: NodeJS.Signals) => {
      signals++
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting now')
        process.exit(130)
      }
      log.info({ signal }, 'shutting down')
      void close().then(() => process.exit(0))
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  }
  const first = (): PortalEntry => {
    const entry = portals.entries()[0]
    if (entry === undefined) throw new Error('OAuth mode: no portal has sent an event yet (see `portals`)')
    return entry
  }
  return {
    app,
    url: address,
    config,
    log,
    get reads() {
      return first().reads
    },
    get gate() {
      return first().gate
    },
    portals,
    poller,
    metrics,
    readiness,
    store,
    close,
  }
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

/** Event keys remembered for dedupe, in memory and in the store. */
const SEEN_CAPACITY = 100_000

/** Opens the configured state store; an unusable `STATE_DIR` stops the start with a clear message. */
async function openStore(config: Config): Promise<StateStore> {
  if (config.stateStore === 'memory') return new MemoryStore({ seenCapacity: SEEN_CAPACITY })
  try {
    return await LmdbStore.open({ dir: config.stateDir, seenCapacity: SEEN_CAPACITY })
  } catch (err) {
    throw new Error(`cannot open the state store in STATE_DIR=${config.stateDir}: ${String(err)}`, { cause: err })
  }
}

/** Waits for `promise`, at most `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

if (isMainModule(import.meta.url)) {
  startServer({ handleSignals: true }).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`b24-autoread: ${err.message}\n`)
    } else {
      process.stderr.write(`b24-autoread: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
    }
    process.exit(1)
  })
}
