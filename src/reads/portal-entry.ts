/**
 * One portal's outbound side around its port: the gate (rate and slots) and the read scheduler with the configured
 * read method. The only place they are built, for the one webhook portal and for each portal of an OAuth app alike.
 */
import type { Logger } from 'pino'
import type { BitrixPort } from '../bitrix/port.js'
import { falseMeansDenied } from './false-means-denied.js'
import { leasedPort, readTargetOf } from './leased-port.js'
import type { PendingTally } from './pending-tally.js'
import { type GateOptions, PortalGate } from './portal-gate.js'
import type { BuildPortal } from './portal-registry.js'
import { imbotV2Read, imDialogRead } from './read-method.js'
import { type ReadObserver, ReadScheduler } from './read-scheduler.js'
import type { ReplicaParts } from './replica-parts.js'
import { type SharedGateObserver, SharedPortalGate } from './shared-gate.js'

/** The settings of a portal entry (the config holds them under these names; reads/ does not import the config). */
export interface PortalSettings {
  readonly authMode: 'webhook' | 'oauth'
  readonly botId: number
  readonly botToken: string
  readonly readMethod: 'imbot.v2.Chat.Message.read' | 'im.dialog.read'
  readonly rateBurst: number
  readonly ratePerSec: number
  /** Share of the burst kept for handlers' own calls (`B24_CALL_RESERVE`). */
  readonly callReserve: number
  readonly maxInFlight: number
  readonly maxPendingDialogs: number
  readonly readParkAfterMs: number
  readonly readProbeIntervalMs: number
}

/** What every portal entry is built with. */
export interface PortalEntryOptions {
  readonly settings: PortalSettings
  readonly log: Logger
  /** Told every read's outcome (metrics, the state store, fetch progress). */
  readonly observers: readonly ReadObserver[]
  /** Observers of one portal's reads only (e.g. the state store, whose keys are scoped by portal in OAuth mode). */
  readonly observersOf?: (key: string) => readonly ReadObserver[]
  /** Wraps each portal's port, e.g. to count and time every request. */
  readonly instrument?: (port: BitrixPort) => BitrixPort
  readonly onGrant?: GateOptions['onGrant']
  /** A confirmed watermark this process does not remember (the state store's, of `portal` in OAuth mode). */
  readonly confirmedOf?: (botId: number, dialogId: string, portal?: string) => number
  /** Whether the portal refused `imbot.v2` in `batch` before the last restart (the store's); one portal only. */
  readonly batchRefused?: () => boolean
  readonly now?: () => number
  /** Pending dialogs of every portal against the global bound (`MAX_PENDING_DIALOGS_TOTAL`). */
  readonly tally?: PendingTally
  /** The rate budget and read leases shared with other replicas (`STATE_STORE=redis`); none: this process owns all. */
  readonly replicas?: Pick<ReplicaParts, 'budget' | 'leases'>
  /** Told about waits and holds of the shared budget (metrics). */
  readonly sharedObserver?: SharedGateObserver
}

/** Returns how to build one portal's entry (gate and read scheduler) around its port. */
export function portalEntryBuilder(options: PortalEntryOptions): BuildPortal {
  const { settings, log } = options
  const oauth = settings.authMode === 'oauth'
  const dialogRead = settings.readMethod === 'im.dialog.read'
  const now = options.now ? { now: options.now } : {}
  const confirmedOf = options.confirmedOf
  return (key, sdkPort) => {
    // OAuth mode scopes the store's keys by portal (`member_id`); webhook auth has one unscoped portal.
    const portal = oauth ? key : undefined
    // `im.dialog.read` answers `false` for a dialog the user cannot see: that is a refusal, not a confirmation.
    const adapted = dialogRead ? falseMeansDenied(sdkPort) : sdkPort
    const port = options.instrument?.(adapted) ?? adapted
    const gateOptions: GateOptions = {
      burst: settings.rateBurst,
      perSec: settings.ratePerSec,
      reserve: Math.round(settings.rateBurst * settings.callReserve),
      maxInFlight: settings.maxInFlight,
      ...(options.onGrant ? { onGrant: options.onGrant } : {}),
      ...now,
    }
    const { replicas } = options
    const gate = replicas
      ? new SharedPortalGate(gateOptions, replicas.budget(key), options.sharedObserver)
      : new PortalGate(gateOptions)
    const readMethod = dialogRead ? imDialogRead() : imbotV2Read(oauth ? undefined : settings.botToken)
    // Across replicas each read is sent under its dialog's lease (the poller's calls are not reads).
    const readPort = replicas
      ? leasedPort(port, replicas.leases(key), readTargetOf(readMethod.method, settings.botId))
      : port
    const reads = new ReadScheduler({
      port: readPort,
      gate,
      // An OAuth app's bot belongs to its client_id: no botToken is sent.
      readMethod,
      log: log.child(oauth ? { mod: 'reads', portal: key } : { mod: 'reads' }),
      maxPendingDialogs: settings.maxPendingDialogs,
      ...(options.tally ? { tally: options.tally } : {}),
      observers: [...options.observers, ...(options.observersOf?.(key) ?? [])],
      ...(confirmedOf
        ? { confirmedOf: (botId: number, dialogId: string) => confirmedOf(botId, dialogId, portal) }
        : {}),
      // The batch flag is stored without a portal: only a one-portal deployment may consult it.
      ...(oauth || !options.batchRefused ? {} : { batchRefused: options.batchRefused() }),
      retry: { parkAfterMs: settings.readParkAfterMs, probeIntervalMs: settings.readProbeIntervalMs },
      ...now,
    })
    return { key, port, gate, reads }
  }
}
