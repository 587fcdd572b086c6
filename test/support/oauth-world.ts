/**
 * Two simulated portals (one certificate, as one CA file) with the same OAuth app's bot installed on each, and the
 * service in OAuth mode serving both through one events URL.
 */
import { join } from 'node:path'
import {
  generateTlsMaterial,
  type Portal,
  type SimBot,
  startPortal,
  startPortalWithCaFile,
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
} as const

/** A portal with the app's bot and the refresh token of its first access token. */
export interface InstalledPortal {
  readonly portal: Portal
  readonly bot: SimBot
  readonly refreshToken: string
}

/** Two portals and the OAuth-mode service. */
export interface OAuthWorld {
  readonly a: InstalledPortal
  readonly b: InstalledPortal
  readonly service: RunningService
  readonly logs: string[]
  /** The service's events URL (with the secret path). */
  readonly eventsUrl: string
  close(): Promise<void>
}

async function install(portal: Portal, label: string): Promise<InstalledPortal> {
  const bot = portal.addBot({ code: 'autoread', clientId: APP.clientId, eventMode: 'webhook', webhookUrl: 'x' })
  const refreshToken = `refresh-${label}-${bot.accessToken.slice(0, 8)}`
  portal.addOAuthToken({
    accessToken: bot.accessToken,
    refreshToken,
    clientId: APP.clientId,
    clientSecret: APP.clientSecret,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    userId: bot.id,
  })
  return { portal, bot, refreshToken }
}

/** Starts both portals and the service; refreshes go to portal A's `/oauth/token/`. */
export async function startOAuthWorld(handlers: readonly Middleware<EventContext>[] = []): Promise<OAuthWorld> {
  const tls = await generateTlsMaterial()
  // Both portals serve the same certificate, so portal A's CA file is the one file the service trusts.
  const simA = await startPortalWithCaFile({ portal: { tls }, dirPrefix: 'b24-oauth-' })
  const a = await install(simA.portal, 'a')
  const b = await install(await startPortal({ tls }), 'b')
  const sink = memoryLogLines()
  const service = await startService({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      B24_CLIENT_ID: APP.clientId,
      B24_CLIENT_SECRET: APP.clientSecret,
      B24_EVENTS_SECRET: APP.eventsSecret,
      B24_OAUTH_SERVER_ENDPOINT: `${a.portal.url}/rest/`,
      B24_CA_FILE: simA.caFile,
      STATE_STORE: 'memory',
      STATE_DIR: join(simA.dir, 'state'),
    },
    logDestination: sink,
    handlers,
  })
  return {
    a,
    b,
    service,
    logs: sink.lines,
    eventsUrl: `${service.url}/bitrix24/events/${APP.eventsSecret}`,
    async close() {
      await service.close()
      await simA.close()
      await b.portal.close()
    },
  }
}
