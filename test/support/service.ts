/** Starts the real service (real SDK, real HTTPS) against a simulated portal, with logs captured in memory. */
import { type Portal, type PortalOptions, startPortalWithBot } from '@b24-autoread/portal-sim'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import type { RunningService } from '../../src/service.js'
import { startService } from '../../src/start-service.js'
import { memoryLogLines } from './fake-port.js'

/** Secrets used by tests; every log assertion checks none of them leaks. */
export const TEST_SECRETS = {
  botToken: 'bot-token-test-5f2a9c',
  applicationToken: 'app-token-test-71d3e0b4',
  eventsSecret: 'events-secret-test-9a8b7c6d',
} as const

/** A service and the portal it talks to. */
export interface World {
  readonly portal: Portal
  readonly service: RunningService
  readonly botId: number
  readonly logs: string[]
  readonly env: Record<string, string>
  /** Everything printed so far, joined. */
  printed(): string
  close(): Promise<void>
}

/** Options for `startWorld`. */
export interface WorldOptions {
  readonly env?: Record<string, string | undefined>
  readonly handlers?: readonly Middleware<EventContext>[]
  readonly portal?: PortalOptions
}

/** Starts a portal with one webhook bot and the service configured for it. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const sim = await startPortalWithBot({
    portal: { burst: 50, drainPerSec: 2, ...options.portal },
    bot: { botToken: TEST_SECRETS.botToken, applicationToken: TEST_SECRETS.applicationToken },
    dirPrefix: 'b24-autoread-',
  })
  const { portal, bot } = sim
  const env: Record<string, string> = { ...sim.env, LOG_LEVEL: 'debug', STATE_STORE: 'memory' }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  const sink = memoryLogLines()
  const service = await startService({ env, logDestination: sink, handlers: options.handlers ?? [] })
  return {
    portal,
    service,
    botId: bot.id,
    logs: sink.lines,
    env,
    printed: () => sink.lines.join(''),
    async close() {
      await service.close()
      await sim.close()
    },
  }
}
