/**
 * The setup of the process-level tests: a simulated portal with its bot, and the service processes started against
 * it with the portal's environment; `close()` kills whatever still runs and stops the portal.
 */
import { type PortalWithBot, type PortalWithBotOptions, startPortalWithBot } from '@b24-autoread/portal-sim'
import { type ChildService, killAll, startService } from './child-service.js'

/** A portal with its bot and the service processes started against it. */
export interface ProcessWorld extends PortalWithBot {
  /** The portal's environment plus the test's own settings: what `start` passes to each process. */
  readonly serviceEnv: Record<string, string>
  /** Every process started so far (also those the test started itself and handed to `keep`). */
  readonly children: readonly ChildService[]
  /** Starts the service with `serviceEnv` and `extra` over it, waits for it to listen, and keeps it for `close`. */
  start(extra?: Record<string, string>): Promise<ChildService>
  /** Keeps a process the test started itself, so `close` ends it too. */
  keep(child: ChildService): ChildService
  /** SIGKILLs the processes still running, waits for them to exit, and stops the portal. */
  close(): Promise<void>
}

/** Options of `startProcessWorld`: those of `startPortalWithBot` (the portal defaults to a budget that never throttles) and the service's settings. */
export interface ProcessWorldOptions extends PortalWithBotOptions {
  readonly env?: Record<string, string>
}

/** Starts a portal (by default with a budget of 1 000 calls and 1 000/s) and its bot for service processes. */
export async function startProcessWorld(options: ProcessWorldOptions = {}): Promise<ProcessWorld> {
  const world = await startPortalWithBot({
    ...options,
    portal: { burst: 1_000, drainPerSec: 1_000, ...options.portal },
  })
  const serviceEnv = { ...world.env, ...options.env }
  const children: ChildService[] = []
  const keep = (child: ChildService) => {
    children.push(child)
    return child
  }
  return {
    ...world,
    serviceEnv,
    children,
    keep,
    start: async (extra = {}) => keep(await startService({ ...serviceEnv, ...extra })),
    close: async () => {
      await killAll(children.splice(0))
      await world.close()
    },
  }
}
