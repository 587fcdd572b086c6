/**
 * One portal's outbound side around its port: the gate (rate and slots) and the read scheduler with the configured
 * read method. The only place they are built, for the one webhook portal and for each portal of an OAuth app alike.
 */
import type { Logger } from 'pino'
import type { BitrixPort } from '../bitrix/port.js'
import type { Config } from '../config.js'
import { falseMeansDenied } from './false-means-denied.js'
import { type GateOptions, PortalGate } from './portal-gate.js'
import type { BuildPortal } from './portal-registry.js'
import { imbotV2Read, imDialogRead } from './read-method.js'
import { type ReadObserver, ReadScheduler } from './read-scheduler.js'

/** The settings of a portal entry, as the config holds them. */
export type PortalSettings = Pick<
  Config,
  | 'authMode'
  | 'botToken'
  | 'readMethod'
  | 'rateBurst'
  | 'ratePerSec'
  | 'callReserve'
  | 'maxInFlight'
  | 'maxPendingDialogs'
>

/** What every portal entry is built with. */
export interface PortalEntryOptions {
  readonly settings: PortalSettings
  readonly log: Logger
  /** Told every read's outcome (metrics, the state store, fetch progress). */
  readonly observers: readonly ReadObserver[]
  /** Wraps each portal's port, e.g. to count and time every request. */
  readonly instrument?: (port: BitrixPort) => BitrixPort
  readonly onGrant?: GateOptions['onGrant']
  /** A confirmed watermark this process does not remember (the state store's); used with one portal only. */
  readonly confirmedOf?: (botId: number, dialogId: string) => number
  readonly now?: () => number
}

/** Returns how to build one portal's entry (gate and read scheduler) around its port. */
export function portalEntryBuilder(options: PortalEntryOptions): BuildPortal {
  const { settings, log } = options
  const oauth = settings.authMode === 'oauth'
  const dialogRead = settings.readMethod === 'im.dialog.read'
  const now = options.now ? { now: options.now } : {}
  return (key, sdkPort) => {
    // `im.dialog.read` answers `false` for a dialog the user cannot see: that is a refusal, not a confirmation.
    const adapted = dialogRead ? falseMeansDenied(sdkPort) : sdkPort
    const port = options.instrument?.(adapted) ?? adapted
    const gate = new PortalGate({
      burst: settings.rateBurst,
      perSec: settings.ratePerSec,
      reserve: Math.round(settings.rateBurst * settings.callReserve),
      maxInFlight: settings.maxInFlight,
      ...(options.onGrant ? { onGrant: options.onGrant } : {}),
      ...now,
    })
    const reads = new ReadScheduler({
      port,
      gate,
      // An OAuth app's bot belongs to its client_id: no botToken is sent.
      readMethod: dialogRead ? imDialogRead() : imbotV2Read(oauth ? undefined : settings.botToken),
      log: log.child(oauth ? { mod: 'reads', portal: key } : { mod: 'reads' }),
      maxPendingDialogs: settings.maxPendingDialogs,
      observers: options.observers,
      // The store's watermarks carry no portal: only a one-portal deployment may consult them.
      ...(oauth || !options.confirmedOf ? {} : { confirmedOf: options.confirmedOf }),
      ...now,
    })
    return { key, port, gate, reads }
  }
}
