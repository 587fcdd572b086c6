/**
 * The composition root: reads the environment, builds the real SDK port, the portal gate, the read scheduler,
 * the pipeline and the app, listens, and handles signals. Run as `node dist/server.js`; teams that add handlers
 * call `startServer({ handlers })` from their own entry file (see examples/).
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import { buildApp } from './app.js'
import { createWebhookPort } from './bitrix/b24-adapter.js'
import type { BitrixPort } from './bitrix/port.js'
import { type Config, loadConfig, webhookSecretOf } from './config.js'
import { ConfigError } from './errors.js'
import type { BotEvent } from './events/types.js'
import { createIntake } from './intake/accept-event.js'
import { RecentKeys } from './intake/dedupe.js'
import { persistEvent } from './intake/persist-event.js'
import { instrumentPort } from './observability/instrument-port.js'
import { createLogger, SecretScrubber } from './observability/logger.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { metricsRoute } from './observability/metrics-route.js'
import { portalAuthCheck, portalOverloadCheck, ReadinessChecks } from './observability/readiness.js'
import type { Middleware } from './pipeline/compose.js'
import type { BotApiCall, EventContext } from './pipeline/context.js'
import { Lanes } from './pipeline/lanes.js'
import { createEventRunner } from './pipeline/run-event.js'
import { gatedCall } from './reads/gated-call.js'
import { PortalGate } from './reads/portal-gate.js'
import { imbotV2Read } from './reads/read-method.js'
import { ReadScheduler } from './reads/read-scheduler.js'
import { durableReadsObserver, replayPending } from './store/durable-reads.js'
import { LmdbStore } from './store/lmdb-store.js'
import { MemoryStore } from './store/memory-store.js'
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
}

/** A running service. */
export interface RunningService {
  readonly app: FastifyInstance
  /** `http://host:port` the server listens on. */
  readonly url: string
  readonly config: Config
  readonly log: Logger
  readonly reads: ReadScheduler
  readonly gate: PortalGate
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
  ]) {
    scrubber.add(secret)
  }
  const log = createLogger({
    level: config.logLevel,
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  })
  const metrics = createMetrics()
  const store = await openStore(config)
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined
  const port: BitrixPort = instrumentPort(
    createWebhookPort({
      webhookUrl: config.webhookUrl,
      timeoutMs: config.requestTimeoutMs,
      log,
      ...(ca ? { ca } : {}),
    }),
    metrics.rest,
  )
  const gate = new PortalGate({
    burst: config.rateBurst,
    perSec: config.ratePerSec,
    maxInFlight: config.maxInFlight,
    onGrant: metrics.limiter.granted,
  })
  const reads = new ReadScheduler({
    port,
    gate,
    readMethod: imbotV2Read(config.botToken),
    log: log.child({ mod: 'reads' }),
    maxPendingDialogs: config.maxPendingDialogs,
    observers: [metrics.reads, durableReadsObserver(store, log.child({ mod: 'store' }))],
    confirmedOf: (botId, dialogId) => store.confirmedId(botId, dialogId),
  })
  replayPending(store, reads, log.child({ mod: 'store' }))
  const lanes = new Lanes({ concurrency: config.pipelineConcurrency, maxQueued: config.maxQueuedEvents })
  const api = (event: BotEvent): BotApiCall => {
    return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
      const outcome = await gatedCall<T>(
        gate,
        port,
        { method, params: { botId: event.bot.id, botToken: config.botToken, ...params } },
        { idempotent: false },
      )
      if (outcome.ok) return outcome.result
      throw Object.assign(new Error(`${method} failed: ${outcome.error.code}`), { code: outcome.error.code })
    }
  }
  const run = createEventRunner({
    lanes,
    handlers: options.handlers ?? [],
    requestRead: (read) => {
      reads.request(read)
    },
    api,
    log,
  })
  const seen = new RecentKeys(SEEN_CAPACITY)
  for (const key of store.seenKeys()) seen.add(key)
  const accept = createIntake({
    botIds: new Set([config.botId]),
    seen,
    run,
    persist: persistEvent(store),
    canAcceptRead: (botId, dialogId) => reads.canAccept(botId, dialogId),
    log,
    onOutcome: metrics.intake.eventOutcome,
  })
  let shuttingDown = false
  const readiness = new ReadinessChecks()
    .set('shutdown', () => (shuttingDown ? 'the service is shutting down' : undefined))
    .set('portal-auth', portalAuthCheck(reads))
    .set('portal-overload', portalOverloadCheck(gate))
    .set('state-store', () => (store.isOpen() ? undefined : 'the state store is closed'))
  metrics.limiter.watch({
    gate: () => gate.snapshot(),
    pendingDialogs: () => reads.pendingDialogs,
    queuedEvents: () => lanes.size,
    ready: () => readiness.evaluate().ok,
  })
  const app = await buildApp({
    logger: log,
    bodyLimitBytes: config.bodyLimitBytes,
    webhook: {
      applicationToken: config.applicationToken,
      eventsSecret: config.eventsSecret,
      accept,
      onRejected: metrics.intake.eventRejected,
    },
    readiness: () => readiness.evaluate(),
    plugins: [metricsRoute(metrics)],
  })
  const address = await app.listen({ port: config.port, host: config.host })
  log.info({ address, botId: config.botId, portal: port.portal }, 'b24-autoread listening')

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    shuttingDown = true
    closing ??= (async () => {
      // Everything below shares one deadline; what is not read by then stays in the store for the next start.
      const deadline = Date.now() + config.shutdownTimeoutMs
      const remaining = () => Math.max(0, deadline - Date.now())
      await within(app.close(), remaining())
      await within(lanes.idle(), remaining())
      const left = await reads.flush(remaining())
      gate.close()
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
  return { app, url: address, config, log, reads, gate, metrics, readiness, store, close }
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

function isMain(): boolean {
  const entry = process.argv[1]
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href
}

if (isMain()) {
  startServer({ handleSignals: true }).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`b24-autoread: ${err.message}\n`)
    } else {
      process.stderr.write(`b24-autoread: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
    }
    process.exit(1)
  })
}
