/**
 * Starts the real service from an environment in one call: what a team's own entry file, the in-process tests, the
 * demo and the scripts use. It installs no signal handler (see `lifecycle/signals.ts`) and leaves the process alone.
 */
import type { DestinationStream } from 'pino'
import { loadConfig } from './config.js'
import type { Middleware } from './pipeline/compose.js'
import type { EventContext } from './pipeline/context.js'
import { realParts } from './real-parts.js'
import { buildService, type RunningService } from './service.js'
import type { OffsetStore } from './store/offset-store.js'

/** Options for `startService`. */
export interface StartOptions {
  /** The environment to read, e.g. `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Extra pipeline stages, run in order after the built-in logging stage and before the read. */
  readonly handlers?: readonly Middleware<EventContext>[]
  /** Where log lines go (default stdout). */
  readonly logDestination?: DestinationStream
  /** Fetch mode: where the `imbot.v2.Event.get` offset is kept (default: the state store). */
  readonly offsetStore?: OffsetStore
  /** Milliseconds since the epoch for the service's gates, schedulers and idle portals (default `Date.now`). */
  readonly clock?: () => number
}

/** Validates `env` (throws `ConfigError`), builds the service from the real parts and listens. */
export async function startService(options: StartOptions): Promise<RunningService> {
  const config = loadConfig(options.env)
  const parts = await realParts(config, {
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  })
  const service = await buildService(config, {
    ...parts,
    handlers: options.handlers ?? [],
    ...(options.offsetStore ? { offsetStore: options.offsetStore } : {}),
  })
  return service.start()
}
