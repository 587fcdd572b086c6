/**
 * Graceful shutdown on SIGTERM and SIGINT for a service run as its own process: the first signal closes the
 * service and exits 0 (1 when closing failed); a second signal exits 130 at once (what was acknowledged is stored).
 */
import type { Logger } from 'pino'
import { describeError } from '../observability/describe-error.js'

/** Closes `service` on the first SIGTERM/SIGINT, then exits; a second signal exits at once. */
export function closeOnSignals(service: { close(): Promise<void>; readonly log: Logger }): void {
  const { log } = service
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now')
      process.exit(130)
    }
    log.info({ signal }, 'shutting down')
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: describeError(err) }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}
