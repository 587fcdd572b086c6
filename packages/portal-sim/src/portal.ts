import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type AppInstall, installApp, uninstallEvent } from './app-install.js'
import { parseRestPath } from './auth.js'
import type { PortalEnv } from './context.js'
import { newCounters } from './counters.js'
import { type DeliverOptions, type DeliveryResult, deliverEvent } from './deliver.js'
import type { Engine } from './engine.js'
import { EventQueues } from './event-queues.js'
import type { JoinChatEvent, MessageDeleteEvent } from './events/event-types.js'
import { FaultQueue } from './faults.js'
import { sendJson } from './http-io.js'
import { listenHttps } from './https-server.js'
import { LeakyBucket } from './leaky-bucket.js'
import { handleOAuthToken } from './oauth-handler.js'
import { OAuthTokens } from './oauth-tokens.js'
import { OperatingTimeTracker } from './operating-time.js'
import { ReadLedger } from './read-ledger.js'
import { ReadOverlap } from './read-overlap.js'
import { handleRest } from './rest-handler.js'
import { generateTlsMaterial } from './tls.js'
import type {
  AddBotSpec,
  CallRecord,
  FaultSpec,
  OAuthTokenSpec,
  PortalOptions,
  PortalStats,
  RecordedRequest,
  RegressionRecord,
  SimBot,
} from './types.js'
import {
  botJoins,
  botLeaves,
  type UserSendsResult,
  type UserSendsSpec,
  userDeletes,
  userSends,
} from './user-actions.js'
import { type V1UserSendsResult, type V1UserSendsSpec, v1UserSends } from './v1-actions.js'
import { World } from './world.js'

/** A running simulated Bitrix24 portal. */
export interface Portal {
  /** `https://127.0.0.1:PORT` */
  url: string
  /** `https://127.0.0.1:PORT/rest/<userId>/<secret>/`, for `B24Hook.fromWebhookUrl`. */
  webhookUrl: string
  /** The self-signed certificate to trust as CA. */
  caPem: string
  /** `127.0.0.1:PORT`, as `auth.domain` in events. */
  domain: string
  memberId: string
  webhookUserId: number
  webhookSecret: string
  /**
   * Adds another incoming webhook of the same user (as an administrator can) and returns its URL; the requests made
   * through it are told apart by their `path`, e.g. to see which of several service processes called.
   */
  addIncomingWebhook(): string
  /** Every HTTP request received, in arrival order (live array). */
  requests: RecordedRequest[]
  /** Every method invocation, direct or inside a batch (live array). */
  calls: CallRecord[]
  /** Reads that went below an already confirmed messageId (live array). */
  regressionLog: RegressionRecord[]
  /** Exceptions thrown by the simulation itself (answered as 500); should stay empty. */
  internalErrors: unknown[]
  /** Registers a bot directly (as if `imbot.v2.Bot.register` had run); eventMode defaults to `fetch`. */
  addBot(spec: AddBotSpec): SimBot
  /** Looks a bot up. */
  getBot(botId: number): SimBot | undefined
  /** Makes an OAuth access token (and its refresh token) valid. */
  addOAuthToken(spec: OAuthTokenSpec): void
  /** An administrator installs an OAuth app: a fresh grant and the `ONAPPINSTALL` event to post (see `app-install.ts`). */
  installApp(spec: { clientId: string; clientSecret?: string; userId?: number }): AppInstall
  /** The `ONAPPUNINSTALL` event of the install whose application token is given. */
  uninstallEvent(applicationToken: string): AppInstall['event']
  /** Looks a bot up by its code. */
  findBot(code: string): SimBot | undefined
  /** A user writes to a bot; returns the message ids and the webhook-shaped `ONIMBOTV2MESSAGEADD`. */
  userSends(spec: UserSendsSpec): UserSendsResult
  /** `userSends`, then POSTs the event to the bot's `webhookUrl` (or `options.url`) like Bitrix24 would. */
  userSendsAndDeliver(
    spec: UserSendsSpec,
    options?: DeliverOptions & { url?: string },
  ): Promise<UserSendsResult & { delivery: DeliveryResult }>
  /** A user writes to a v1 bot: the legacy `ONIMBOTMESSAGEADD`, with a grant acting as the bot in `data[BOT][<id>]`. */
  v1UserSends(spec: V1UserSendsSpec): V1UserSendsResult
  /** One person writes to another (no bot involved): a conversation only `im.dialog.read` as `to` could mark. */
  personSends(spec: { from: number; to: number; text?: string }): { messageId: number; chatId: number }
  /** A user adds the bot to a group chat; returns `ONIMBOTV2JOINCHAT`. */
  botJoins(spec: { botId: number; dialogId: string; userId?: number }): {
    chatId: number
    event: JoinChatEvent
    eventId?: number
  }
  /** Takes the bot out of a dialog (reads there then get ACCESS_DENIED). */
  botLeaves(spec: { botId: number; dialogId: string }): void
  /** A user deletes a message; returns `ONIMBOTV2MESSAGEDELETE` for the bot. */
  userDeletes(spec: { botId: number; messageId: number }): { event: MessageDeleteEvent; eventId?: number }
  /** POSTs an event form-encoded (PHP style) to `url`, http or https. */
  deliver(event: object, url: string, options?: DeliverOptions): Promise<DeliveryResult>
  /** What `readerId` (a bot, or a user) has read in `dialogId` as that reader sees it. */
  readState(readerId: number, dialogId: string): { lastReadId: number; unread: number }
  /** The texts `authorId` posted in `dialogId` (as `authorId` sees the dialog), oldest first. */
  textsBy(authorId: number, dialogId: string): string[]
  /** Fetch-mode events queued and not yet confirmed for a bot. */
  pendingEvents(botId: number): number
  /** Counters since start or the last `reset()`. */
  stats(): PortalStats
  /** Queues a fault for the next `times` matching REST requests. */
  inject(spec: FaultSpec): void
  /** While down, every connection is destroyed immediately. */
  setDown(down: boolean): void
  /** When each connection was destroyed while down (ms since epoch), since start or the last `reset()`. */
  droppedAt(): readonly number[]
  /** Clears recorded requests, calls, counters, the bucket, operating time and pending faults (not chats or bots). */
  reset(): void
  close(): Promise<void>
}

/** Where a portal is served: its own HTTPS server, or a path on a server shared with others (`portal-host.ts`). */
export interface PortalSite {
  /** The portal's base URL (`https://127.0.0.1:PORT`, or with a path on a shared server). */
  readonly url: string
  /** `host:port`, as `auth.domain` in events. */
  readonly domain: string
  setDown(down: boolean): void
  close(): Promise<void>
}

/** Serves a portal's request handler (paths from `/`); `onDropped` is told of each connection dropped while down. */
export type ListenPortal = (
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onDropped: () => void,
) => Promise<PortalSite>

/** Starts a simulated Bitrix24 portal on HTTPS (127.0.0.1, a free port by default). */
export async function startPortal(options: PortalOptions = {}): Promise<Portal> {
  const tls = options.tls ?? (await generateTlsMaterial())
  const host = options.host ?? '127.0.0.1'
  return openPortal(options, tls.cert, async (route, onDropped) => {
    const server = await listenHttps(tls, host, options.port ?? 0, route, onDropped)
    return {
      url: `https://${host}:${server.port}`,
      domain: `${host}:${server.port}`,
      setDown: (down) => server.setDown(down),
      close: () => server.close(),
    }
  })
}

/** Opens a portal wherever `listen` serves it (`caPem`: the certificate served there); see `startPortalHost`. */
export async function openPortal(
  options: Omit<PortalOptions, 'tls' | 'host' | 'port'>,
  caPem: string,
  listen: ListenPortal,
): Promise<Portal> {
  const clock = options.clock ?? Date.now
  const webhookUserId = options.webhookUserId ?? 1
  const webhookSecret = options.webhookSecret ?? randomBytes(8).toString('hex')
  const env: PortalEnv = {
    url: '',
    domain: '',
    memberId: randomBytes(16).toString('hex'),
    revision: options.revision ?? 36,
  }
  const world = new World()
  world.ensureUser(webhookUserId)
  const queues = new EventQueues()
  const ledger = new ReadLedger()
  const tokens = options.oauthTokens ?? new OAuthTokens()
  const faults = new FaultQueue()
  const bucket = new LeakyBucket(options.burst ?? 50, options.drainPerSec ?? 2, clock)
  const operating = new OperatingTimeTracker(options.operatingLimitS ?? 480, clock)
  const requests: RecordedRequest[] = []
  const engine: Engine = {
    base: { world, queues, ledger, env },
    operating,
    cost: options.operatingCostS ?? 0,
    counters: newCounters(),
    calls: [],
    internalErrors: [],
  }
  const nowS = () => Math.floor(clock() / 1000)
  const overlap = new ReadOverlap()
  const restDeps = {
    engine,
    authConfig: {
      webhookUserId,
      webhookSecret,
      extraWebhookSecrets: new Set<string>(),
      tokens,
      nowS,
      memberId: env.memberId,
      onForeignToken: () => {
        engine.counters.foreignTokens += 1
      },
    },
    bucket,
    faults,
    latency: options.latencyMs ?? 0,
    imbotInBatch: options.imbotInBatch ?? 'allowed',
    requests,
    overlap,
  }
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', env.url)
    if (/^\/oauth\/token\/?$/.test(url.pathname))
      return handleOAuthToken({ tokens, env, nowS, requests }, req, res, url)
    const rest = parseRestPath(url.pathname)
    if (rest) return handleRest(restDeps, req, res, url, rest)
    req.resume()
    sendJson(res, 404, { error: 'NOT_FOUND', error_description: 'Not found' })
  }
  const dropped: number[] = []
  const server = await listen(route, () => {
    engine.counters.droppedConnections += 1
    dropped.push(Date.now())
  })
  env.url = server.url
  env.domain = server.domain
  const actions = { world, queues, env }

  const portal: Portal = {
    url: env.url,
    webhookUrl: `${env.url}/rest/${webhookUserId}/${webhookSecret}/`,
    caPem,
    domain: env.domain,
    memberId: env.memberId,
    webhookUserId,
    webhookSecret,
    addIncomingWebhook() {
      const secret = randomBytes(8).toString('hex')
      restDeps.authConfig.extraWebhookSecrets.add(secret)
      return `${env.url}/rest/${webhookUserId}/${secret}/`
    },
    requests,
    calls: engine.calls,
    regressionLog: ledger.regressions,
    internalErrors: engine.internalErrors,
    addBot(spec) {
      return world.addBot({
        id: spec.id ?? world.allocateUserId(),
        code: spec.code,
        botToken: spec.botToken,
        clientId: spec.clientId,
        eventMode: spec.eventMode ?? 'fetch',
        webhookUrl: spec.webhookUrl,
        type: spec.type ?? 'bot',
        name: spec.name ?? spec.code,
        workPosition: '',
        applicationToken: spec.applicationToken ?? randomBytes(16).toString('hex'),
        accessToken: randomBytes(24).toString('hex'),
      })
    },
    getBot: (botId) => world.bots.get(botId),
    addOAuthToken(spec) {
      const grant = tokens.add(spec, env.memberId, `${env.url}/rest/`)
      for (const bot of world.bots.values())
        if (bot.accessToken === grant.accessToken) bot.refreshToken = grant.refreshToken
    },
    installApp: (spec) => installApp(tokens, env, { ...spec, nowS: nowS() }),
    uninstallEvent: (applicationToken) => uninstallEvent(env, applicationToken, nowS()),
    findBot: (code) => world.findBotByCode(code),
    userSends: (spec) => userSends(actions, spec),
    async userSendsAndDeliver(spec, deliverOptions = {}) {
      const sent = userSends(actions, spec)
      const url = deliverOptions.url ?? world.bots.get(spec.botId)?.webhookUrl
      if (!url) throw new Error(`portal: bot ${spec.botId} has no webhookUrl`)
      return { ...sent, delivery: await deliverEvent(sent.event, url, deliverOptions) }
    },
    v1UserSends: (spec) => v1UserSends(actions, tokens, spec, nowS()),
    personSends(spec) {
      world.ensureUser(spec.from)
      world.ensureUser(spec.to)
      const chat = world.privateChat(spec.from, spec.to)
      const message = world.addMessage(chat, spec.from, spec.text ?? 'Hi', new Date().toISOString())
      return { messageId: message.id, chatId: chat.id }
    },
    botJoins: (spec) => botJoins(actions, spec),
    botLeaves: (spec) => botLeaves(actions, spec),
    userDeletes: (spec) => userDeletes(actions, spec),
    deliver: (event, url, deliverOptions) => deliverEvent(event, url, deliverOptions),
    readState(readerId, dialogId) {
      const chat = world.resolveDialog(readerId, dialogId)
      if (!chat) return { lastReadId: 0, unread: 0 }
      return { lastReadId: world.lastRead(readerId, chat.id), unread: world.unread(readerId, chat) }
    },
    textsBy(authorId, dialogId) {
      const chat = world.resolveDialog(authorId, dialogId)
      return chat ? chat.messages.filter((m) => m.authorId === authorId).map((m) => m.text) : []
    },
    pendingEvents: (botId) => queues.pending(botId),
    stats() {
      const c = engine.counters
      return {
        ...c,
        byMethod: { ...c.byMethod },
        faults: { ...c.faults },
        reads: ledger.reads,
        humanDialogReads: ledger.humanDialogReads,
        duplicateReads: ledger.duplicateReads,
        regressions: ledger.regressions.length,
        overlappingReads: restDeps.overlap.overlapping,
        bucketLevel: bucket.level(),
        peakBucketLevel: bucket.peak(),
      }
    },
    inject: (spec) => faults.add(spec),
    setDown: (down) => server.setDown(down),
    droppedAt: () => [...dropped],
    reset() {
      requests.length = 0
      dropped.length = 0
      overlap.overlapping = 0
      engine.calls.length = 0
      engine.internalErrors.length = 0
      engine.counters = newCounters()
      ledger.resetCounters()
      bucket.reset()
      operating.reset()
      faults.clear()
    },
    close: () => server.close(),
  }
  return portal
}
