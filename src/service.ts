/**
 * The composition root: builds the whole service from a validated config and its parts (logger, state store, where
 * its portals come from, handlers). It reads no environment, installs no signal handler and listens only in
 * `start()`: `server.ts` hands it the real parts, fast tests a fake port and a memory store.
 */
import { buildApp } from './app.js'
import type { Config } from './config.js'
import { AppError } from './errors.js'
import { parseV1Event } from './events/parse-v1.js'
import type { ScannedMessage } from './events/scanned-message.js'
import type { BotEvent } from './events/types.js'
import { createIntake } from './intake/accept-event.js'
import { RecentKeys, SEEN_CAPACITY } from './intake/dedupe.js'
import { FetchPoller } from './intake/fetch-poller.js'
import { FetchProgress } from './intake/fetch-progress.js'
import { persistEvent } from './intake/persist-event.js'
import { drain, refuseWhenClosing, Shutdown } from './lifecycle/shutdown.js'
import { ConnectionWatch } from './observability/connection-watch.js'
import { installMetrics } from './observability/install-metrics.js'
import { instrumentPort } from './observability/instrument-port.js'
import { createMetrics, METRICS_PREFIX } from './observability/metrics.js'
import { metricsRoute } from './observability/metrics-route.js'
import { serviceReadiness } from './observability/service-readiness.js'
import { botApi } from './pipeline/bot-api.js'
import { Lanes } from './pipeline/lanes.js'
import { portalRunners } from './pipeline/portal-runners.js'
import { PendingTally } from './reads/pending-tally.js'
import { portalEntryBuilder } from './reads/portal-entry.js'
import { combinedSnapshot, type PortalEntry, type PortalRegistry } from './reads/portal-registry.js'
import { takeoverSweep } from './reads/takeover-sweep.js'
import type { RunningService, Service, ServiceParts } from './service-contract.js'
import { batchRefusedIn, durableReadsObserver, replayPending, startPendingSweep } from './store/durable-reads.js'
import { storedOffset } from './store/offset-store.js'
import { startPortalsPendingSweep } from './store/portals-pending-sweep.js'
import { startIdleSweep } from './tenants/idle-sweep.js'
import { claimedPortal } from './tenants/oauth-tenants.js'

export type { RunningService, Service, ServiceParts } from './service-contract.js'

/** Builds the service: every part wired, routes registered, nothing listening and nothing polling yet. */
export async function buildService(config: Config, parts: ServiceParts): Promise<Service> {
  const { log, store } = parts
  const oauth = config.authMode === 'oauth'
  const clock = parts.clock ? { now: parts.clock } : {}
  const metrics = parts.metrics ?? createMetrics()
  const connections = new ConnectionWatch()
  // Replicas: one polls at a time, and the offset is saved under its turn.
  const queue = `fetch:${config.botId}`
  const turn = config.eventMode === 'fetch' ? parts.pollerTurn?.(queue) : undefined
  // Fetch mode confirms an Event.get offset only once the events below it are processed and their reads settled.
  const progress =
    config.eventMode === 'fetch'
      ? new FetchProgress({
          store: parts.offsetStore ?? turn ?? storedOffset(store, queue),
          confirmedId: (botId, dialogId) => portals.entries()[0]?.reads.confirmedId(botId, dialogId) ?? 0,
          log: log.child({ mod: 'fetch' }),
        })
      : undefined
  const portals = parts.portals(
    portalEntryBuilder({
      settings: config,
      log,
      instrument: (port) => instrumentPort(port, metrics.rest, { watch: connections }),
      onGrant: metrics.limiter.granted,
      observers: [metrics.reads],
      // In this order: the store clears a pending read before fetch progress may confirm the offset past it.
      observersOf: (key) => [
        durableReadsObserver(store, log.child({ mod: 'store' }), oauth ? key : undefined),
        ...(progress ? [progress.observer] : []),
      ],
      confirmedOf: (botId, dialogId, portal) => store.confirmedId(botId, dialogId, portal),
      batchRefused: () => batchRefusedIn(store),
      tally: new PendingTally(config.maxPendingDialogsTotal),
      ...(parts.replicas ? { replicas: parts.replicas, sharedObserver: metrics.shared } : {}),
      ...clock,
    }),
  )
  const webhookPortal = oauth ? undefined : portals.entries()[0]
  if (webhookPortal) replayPending(store, webhookPortal.reads, log.child({ mod: 'store' }))
  // OAuth portals with stored reads are connected from their stored records (refreshing expired tokens as needed).
  if (oauth)
    replayPending(
      store,
      (m) => (m.portal ? portals.restore?.(m.portal)?.reads : undefined),
      log.child({ mod: 'store' }),
    )
  // Stored reads nobody is sending (refused at a bound after the 200, parked) are handed back periodically.
  const stopSweep = webhookPortal
    ? startPendingSweep(store, webhookPortal.reads, log.child({ mod: 'store' }), config.readSweepIntervalMs)
    : startPortalsPendingSweep(
        store,
        (portal) => portals.restore?.(portal)?.reads,
        log.child({ mod: 'store' }),
        config.readSweepIntervalMs,
      )
  const stopIdleSweep = startIdleSweep(portals, config.portalIdleMs)
  // Replicas: reads a dead replica left pending are taken over (an OAuth portal from its record in the store).
  const takeover = takeoverSweep(
    parts.replicas,
    webhookPortal?.reads ?? (async (mark) => restoredPortal(store, portals, mark.portal)),
    log,
    metrics.shared.tookOver,
  )
  const lanes = new Lanes({ concurrency: config.pipelineConcurrency, maxQueued: config.maxQueuedEvents })
  const runnerOf = portalRunners({
    lanes,
    handlers: parts.handlers ?? [],
    api: botApi(config.authMode === 'oauth' ? undefined : config.botToken),
    log,
    handlerTimeoutMs: config.handlerTimeoutMs,
    ...(portals.hold ? { hold: portals.hold } : {}),
    ...(progress ? { onReadRefused: (id) => progress.readRefused(id), onDone: (e) => progress.onProcessed(e) } : {}),
    onMalformed: metrics.intake.eventMalformed,
  })
  const seen = new RecentKeys(SEEN_CAPACITY)
  for (const key of store.seenKeys()) seen.add(key)
  const botIds = config.botId > 0 ? new Set([config.botId]) : undefined
  // New messages are answered from their scanned ids unless the 200 needs the whole body (OAuth: the portal's tokens).
  const scanMessages = portals.admit === undefined && portals.appEvent === undefined && webhookPortal !== undefined
  const portalOf = (event: BotEvent | ScannedMessage) =>
    event.type === 'scanned' ? webhookPortal : portals.forEvent(event)
  const accept = createIntake({
    botIds,
    seen,
    run: (event, receivedAt, trace, durable) => runnerOf(portalOf(event))(event, receivedAt, trace, durable),
    persist: persistEvent(store, oauth ? claimedPortal : undefined),
    persistFirst: store.shared,
    canAcceptRead: (botId, dialogId, event) => portalOf(event)?.reads.canAccept(botId, dialogId) ?? true,
    ...(portals.admit ? { admit: (event: BotEvent) => portals.admit?.(event) ?? Promise.resolve() } : {}),
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
          ...(turn ? { turn } : {}),
        })
      : undefined
  const shutdown = new Shutdown()
  const readiness = serviceReadiness({ shuttingDown: () => shutdown.started, portals, store, connections, poller })
  const { installIssues } = portals
  if (installIssues) installMetrics(metrics.registry, METRICS_PREFIX, () => installIssues())
  metrics.limiter.watch({
    gate: () => combinedSnapshot(portals.entries()),
    pendingDialogs: () => portals.entries().reduce((n, e) => n + e.reads.pendingDialogs, 0),
    queuedEvents: () => lanes.size,
    ready: () => readiness.evaluate().ok,
  })
  const app = await buildApp({
    logger: log,
    bodyLimitBytes: config.bodyLimitBytes,
    scanMessages,
    // Fetch mode serves no webhook route; v1 bots' ONIMBOTMESSAGEADD is mapped onto the v2 message model.
    webhook: poller
      ? undefined
      : {
          applicationToken: config.applicationToken,
          eventsSecret: config.eventsSecret,
          accept: refuseWhenClosing(shutdown, accept),
          parseLegacy: (body) => parseV1Event(body, botIds),
          ...(portals.appEvent ? { appEvent: (body: unknown) => portals.appEvent?.(body) } : {}),
          onRejected: metrics.intake.eventRejected,
        },
    readiness: () => readiness.evaluate(),
    plugins: [metricsRoute(metrics)],
  })

  const first = (): PortalEntry => {
    const entry = portals.entries()[0]
    if (entry === undefined) {
      throw new AppError('NO_PORTAL_YET', { message: 'OAuth mode: no portal has sent an event yet (see `portals`)' })
    }
    return entry
  }
  let url: string | undefined
  const service: Service = {
    app,
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
    get url() {
      return url
    },
    async idle() {
      await lanes.idle()
      await Promise.all(portals.entries().map((e) => e.reads.idle()))
    },
    async start() {
      const address = await app.listen({ port: config.port, host: config.host })
      url = address
      const portal = webhookPortal?.port.portal ?? 'oauth'
      const { botId, eventMode, readMethod } = config
      log.info({ address, botId, portal, eventMode, readMethod }, 'b24-autoread listening')
      poller?.start()
      takeover?.start()
      if (!isRunning(service)) throw new AppError('NOT_LISTENING')
      return service
    },
    close: () =>
      shutdown.run(() => {
        stopSweep()
        stopIdleSweep()
        takeover?.stop()
        portals.stop?.()
        const { shutdownTimeoutMs: timeoutMs } = config
        return drain({ timeoutMs, poller, lanes, portals, progress, app, store, log, ...clock })
      }),
  }
  return service
}

/** An OAuth portal's reads, connected from its record (read again from a shared store if this replica lacks it). */
async function restoredPortal(
  store: ServiceParts['store'],
  portals: PortalRegistry,
  memberId: string | undefined,
): Promise<PortalEntry['reads'] | undefined> {
  if (memberId === undefined || portals.restore === undefined) return undefined
  const known = portals.restore(memberId)
  if (known !== undefined) return known.reads
  await store.reloadTenant?.(memberId)
  return portals.restore(memberId)?.reads
}

/** Whether `service` listens (it has an address). */
function isRunning(service: Service): service is RunningService {
  return service.url !== undefined
}
