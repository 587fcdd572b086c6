/**
 * Simulated portals (one certificate, as one CA file) with the same OAuth app's bot installed on each, one OAuth
 * server that knows every portal's grants (as Bitrix24's does), and the service in OAuth mode serving them all
 * through one events URL. `restart()` starts a new service over the same state directory (LMDB). With `portalHost`
 * every portal is served by one HTTPS server (see the simulator's `startPortalHost`), so a test can open a thousand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  generateTlsMaterial,
  type OAuthServer,
  type Portal,
  type PortalHost,
  type SimBot,
  startOAuthServer,
  startPortal,
  startPortalHost,
} from '@b24-autoread/portal-sim'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { memoryLogLines } from './fake-port.js'

/** The app's credentials; log assertions check none of them leaks. */
export const APP = {
  clientId: 'local.autoread.app',
  clientSecret: 'client-secret-oauth-4d7f1e2a',
  eventsSecret: 'oauth-events-secret-8c2b6a1f',
  tokenKey: 'a3f1c29b7e5d40618c2b9a7f3e1d5c6b8a9f0e1d2c3b4a5968778695a4b3c2d1',
} as const

/** A portal with the app's bot and the refresh token of its first access token. */
export interface InstalledPortal {
  readonly portal: Portal
  readonly bot: SimBot
  readonly refreshToken: string
}

/** Portals, their OAuth server and the OAuth-mode service. */
export interface OAuthWorld {
  readonly a: InstalledPortal
  readonly b: InstalledPortal
  readonly all: readonly InstalledPortal[]
  readonly oauth: OAuthServer
  readonly service: RunningService
  readonly logs: string[]
  /** The service's events URL (with the secret path). */
  readonly eventsUrl: string
  /** Installs the app's bot on one more portal. */
  addPortal(label: string): Promise<InstalledPortal>
  /** Opens one more portal sharing the OAuth server, with nothing installed; the world closes it. */
  openPortal(): Promise<Portal>
  /** Closes the service and starts a new one over the same state (portals and OAuth server keep running). */
  restart(env?: Readonly<Record<string, string>>): Promise<void>
  /** Starts one more service on the same settings (a replica, with a shared store); the world closes it. */
  startReplica(env?: Readonly<Record<string, string>>): Promise<RunningService>
  /** Moves the portals' and the OAuth server's clock forward (tokens expire; the service's clock is untouched). */
  advance(ms: number): void
  /** Moves the service's clock forward (idle times, gates); the portals' clock is untouched. */
  advanceService(ms: number): void
  /** Every portal's count of tokens of another portal presented to it (must be 0). */
  foreignTokens(): number
  close(): Promise<void>
}

/** Options of `startOAuthWorld`. */
export interface OAuthWorldOptions {
  readonly handlers?: readonly Middleware<EventContext>[]
  readonly portals?: number
  readonly env?: Readonly<Record<string, string>>
  /** Serve every portal from one HTTPS server, each under its own path (cheap enough for a thousand portals). */
  readonly portalHost?: boolean
}

/** Opens a portal sharing `oauth`'s grants: on `host` when given, else on a server of its own. */
type OpenPortal = () => Promise<Portal>

async function install(open: OpenPortal, label: string, clock: () => number): Promise<InstalledPortal> {
  const portal = await open()
  const bot = portal.addBot({ code: 'autoread', clientId: APP.clientId, eventMode: 'webhook', webhookUrl: 'x' })
  const refreshToken = `refresh-${label}-${bot.accessToken.slice(0, 8)}`
  portal.addOAuthToken({
    accessToken: bot.accessToken,
    refreshToken,
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    expiresAt: Math.floor(clock() / 1000) + 3600,
    userId: bot.id,
  })
  return { portal, bot, refreshToken }
}

/** Starts the OAuth server, the portals (two by default) and the service on an LMDB state directory. */
export async function startOAuthWorld(options: OAuthWorldOptions = {}): Promise<OAuthWorld> {
  const tls = await generateTlsMaterial()
  const dir = mkdtempSync(join(tmpdir(), 'b24-oauth-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, tls.cert)
  let offsetMs = 0
  const clock = () => Date.now() + offsetMs
  let serviceOffsetMs = 0
  const serviceClock = () => Date.now() + serviceOffsetMs
  const oauth = await startOAuthServer({ tls, clock })
  const host: PortalHost | undefined = options.portalHost ? await startPortalHost({ tls }) : undefined
  const opened: Portal[] = []
  const open: OpenPortal = async () => {
    const portal = host
      ? await host.addPortal({ oauthTokens: oauth.tokens, clock })
      : await startPortal({ tls, oauthTokens: oauth.tokens, clock })
    opened.push(portal)
    return portal
  }
  const all: InstalledPortal[] = []
  for (let i = 0; i < Math.max(2, options.portals ?? 2); i++) all.push(await install(open, `p${i}`, clock))
  const sink = memoryLogLines()
  const baseEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    B24_CLIENT_ID: APP.clientId,
    B24_CLIENT_SECRET: APP.clientSecret,
    B24_EVENTS_SECRET: APP.eventsSecret,
    B24_TOKEN_KEY: APP.tokenKey,
    B24_OAUTH_SERVER_ENDPOINT: oauth.serverEndpoint,
    B24_CA_FILE: caFile,
    STATE_STORE: 'lmdb',
    STATE_DIR: join(dir, 'state'),
    ...options.env,
  }
  const start = (env: Readonly<Record<string, string>> = {}) =>
    startService({
      env: { ...baseEnv, ...env },
      logDestination: sink,
      clock: serviceClock,
      ...(options.handlers ? { handlers: options.handlers } : {}),
    })
  let service = await start()
  const replicas: RunningService[] = []
  const [a, b] = all
  if (a === undefined || b === undefined) throw new Error('oauth-world: two portals at least')
  const world: OAuthWorld = {
    a,
    b,
    all,
    oauth,
    get service() {
      return service
    },
    logs: sink.lines,
    get eventsUrl() {
      return `${service.url}/bitrix24/events/${APP.eventsSecret}`
    },
    async addPortal(label) {
      const added = await install(open, label, clock)
      all.push(added)
      return added
    },
    async restart(env) {
      await service.close()
      service = await start(env)
    },
    async startReplica(env) {
      const replica = await start(env)
      replicas.push(replica)
      return replica
    },
    openPortal: open,
    advance(ms) {
      offsetMs += ms
    },
    advanceService(ms) {
      serviceOffsetMs += ms
    },
    foreignTokens: () => all.reduce((n, p) => n + p.portal.stats().foreignTokens, 0),
    async close() {
      for (const replica of replicas) await replica.close()
      await service.close()
      for (const portal of opened) await portal.close()
      await host?.close()
      await oauth.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return world
}
