/** The read scheduler's dependencies and settings (see `read-scheduler.ts`). */
import type { Logger } from 'pino'
import type { BitrixPort } from '../bitrix/port.js'
import type { PendingTally } from './pending-tally.js'
import type { PortalGate } from './portal-gate.js'
import type { ReadObserver } from './read-contract.js'
import type { ReadMethod } from './read-method.js'
import type { ReadRetryOptions } from './read-retry.js'

/** Scheduler dependencies and settings. */
export interface ReadSchedulerOptions {
  readonly port: BitrixPort
  readonly gate: PortalGate
  readonly readMethod: ReadMethod
  readonly log: Logger
  readonly maxPendingDialogs: number
  /** Pending dialogs of every portal against the global bound (`MAX_PENDING_DIALOGS_TOTAL`); none: no such bound. */
  readonly tally?: PendingTally
  /** Confirmed watermarks remembered after a dialog goes idle, so a late lower id is never sent. */
  readonly rememberConfirmed?: number
  readonly observers?: readonly ReadObserver[]
  /** Looks up a confirmed watermark this process does not remember (the state store's, after a restart). */
  readonly confirmedOf?: (botId: number, dialogId: string) => number
  readonly retry?: Partial<ReadRetryOptions>
  /** Whether the portal was found to refuse `imbot.v2` in `batch` before the last restart (the state store's). */
  readonly batchRefused?: boolean
  readonly now?: () => number
  readonly random?: () => number
}
