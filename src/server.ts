/**
 * The process entry (`node dist/server.js`): the environment to config, the real parts, the service, listening,
 * graceful shutdown on SIGTERM/SIGINT, and the exit codes (1 when the service cannot start). Nothing imports this
 * file; a team that adds handlers writes its own entry with `startService` and `closeOnSignals` (see examples/).
 */
import { loadConfig } from './config.js'
import { ConfigError } from './errors.js'
import { isMainModule } from './is-main.js'
import { closeOnSignals } from './lifecycle/signals.js'
import { realParts } from './real-parts.js'
import { buildService } from './service.js'

if (isMainModule(import.meta.url)) {
  try {
    const config = loadConfig(process.env)
    const service = await buildService(config, await realParts(config))
    closeOnSignals(await service.start())
  } catch (err) {
    const reason =
      err instanceof ConfigError ? err.message : `failed to start: ${err instanceof Error ? err.message : String(err)}`
    process.stderr.write(`b24-autoread: ${reason}\n`)
    process.exit(1)
  }
}
