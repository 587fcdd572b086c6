/** How the read scheduler retries: a dialog's own backoff and parking, the probe of a paused portal, batch. */
import type { BackoffPolicy } from './backoff.js'

/** How a dialog's own failures are retried, and how often a paused portal or a refused batch path is tried again. */
export interface ReadRetryOptions extends BackoffPolicy {
  /** A dialog failing this long is parked: kept stored, retried by `retryParked` or its next message. */
  readonly parkAfterMs: number
  /** While a configuration error pauses the portal, one read probes it this often. */
  readonly probeIntervalMs: number
  /** After the portal refused `imbot.v2` in `batch`, the batch path is tried again this often. */
  readonly batchRetryMs: number
}

/** Defaults: back off 1 s to 1 min, park after 10 min, probe a paused portal every 30 s, retry batch hourly. */
export const DEFAULT_READ_RETRY: ReadRetryOptions = {
  baseMs: 1_000,
  maxMs: 60_000,
  parkAfterMs: 600_000,
  probeIntervalMs: 30_000,
  batchRetryMs: 3_600_000,
}
