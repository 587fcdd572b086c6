/**
 * The sealed records of OAuth portals in the state store: read (a record that does not open with this process's key
 * is left untouched and logged once), written whole at install, and changed field by field with compare-and-set so
 * that what another write stored meanwhile (here or on another replica) is never overwritten.
 */
import type { Logger } from 'pino'
import type { StateStore } from '../store/state-store.js'
import { decodeTenant, encodeTenant, type TenantRecord, type TenantTokens } from './tenant-record.js'
import type { TokenBox } from './token-box.js'

/** What the records need. */
export interface TenantRecordsOptions {
  readonly store: StateStore
  readonly box: TokenBox
  readonly log: Logger
}

/** Reads and writes of the portals' sealed records. */
export interface TenantRecords {
  /** Stores a whole record (an install or a verification); a failure is logged, never thrown. */
  save(record: TenantRecord): Promise<void>
  /** The portal's stored record; undefined when none, or when it does not open with this process's key. */
  stored(memberId: string): TenantRecord | undefined
  /** Replicas: the portal's tokens as the shared store holds them now; undefined for a store of this process. */
  storedTokens(memberId: string): Promise<TenantTokens | undefined>
  /** Changes the stored record by compare-and-set; false only when it kept changing under the change. */
  change(memberId: string, change: (record: TenantRecord) => TenantRecord | undefined): Promise<boolean>
  /** Stores refreshed tokens of one install, only forward in time and only while it is the same install. */
  saveTokens(applicationToken: string, memberId: string, tokens: TenantTokens): Promise<void>
  /** Forgets that a portal's record did not open (it opened, or the portal was uninstalled). */
  forgetUnopened(memberId: string): void
}

/** Builds the records over the state store and the token box. */
export function tenantRecords(options: TenantRecordsOptions): TenantRecords {
  const { store, box, log } = options
  /** Portals whose stored record did not open with this key, logged once each (until it opens or is forgotten). */
  const unopened = new Set<string>()

  const save = (record: TenantRecord): Promise<void> =>
    store.saveTenant(record.memberId, box.seal(record.memberId, encodeTenant(record))).catch((err: unknown) => {
      log.error(
        { err, portal: record.memberId },
        'could not store the portal record: it is verified again after a restart',
      )
    })

  /**
   * The portal's stored record; undefined when none, or when it does not open with this process's key. Such a
   * record is left in the store untouched (with the portal's pending reads and watermarks): another replica may
   * hold the key that sealed it, and only an uninstall deletes a portal's state.
   */
  const stored = (memberId: string): TenantRecord | undefined => {
    const sealed = store.tenant(memberId)
    if (sealed === undefined) return undefined
    const plain = box.open(memberId, sealed)
    const record = plain === undefined ? undefined : decodeTenant(plain)
    if (record === undefined || record.memberId !== memberId) {
      if (!unopened.has(memberId)) {
        unopened.add(memberId)
        log.error(
          { portal: memberId },
          'stored portal record does not open with this B24_TOKEN_KEY: it was sealed with another key (the key changed, or differs on this replica). The record, its pending reads and watermarks are left in the store; this process cannot reach the portal until B24_TOKEN_KEY is the key that sealed it, or the portal sends an event carrying tokens (verified again and sealed with this key) or is reinstalled',
        )
      }
      return undefined
    }
    unopened.delete(memberId)
    return record
  }

  /** Replicas: the portal's tokens as the shared store holds them now; undefined for a store of this process only. */
  const storedTokens = async (memberId: string): Promise<TenantTokens | undefined> => {
    if (store.reloadTenant === undefined) return undefined
    await store.reloadTenant(memberId)
    return stored(memberId)
  }

  /**
   * Changes the record the store holds with `change` (undefined: leave it), and writes it back only if the store
   * still holds what was read: what another write stored meanwhile (here or by another replica) is never
   * overwritten, and a removed record stays removed. Answers false only when the record kept changing under it.
   */
  const change = async (
    memberId: string,
    change: (record: TenantRecord) => TenantRecord | undefined,
  ): Promise<boolean> => {
    for (let tries = 0; tries < 5; tries++) {
      await store.reloadTenant?.(memberId)
      const sealed = store.tenant(memberId)
      const record = stored(memberId)
      if (sealed === undefined || record === undefined) return true
      const next = change(record)
      if (next === undefined) return true
      if (await store.replaceTenant(memberId, sealed, box.seal(memberId, encodeTenant(next)))) return true
    }
    return false
  }

  /**
   * Stores refreshed tokens of one install: only the token fields change, only while the stored record is the same
   * install (a reinstall's record and tokens are never overwritten by an older grant's refresh), and only when they
   * are newer than the stored ones (another replica may have refreshed meanwhile).
   */
  const saveTokens = async (applicationToken: string, memberId: string, tokens: TenantTokens): Promise<void> => {
    const done = await change(memberId, (record) =>
      record.applicationToken !== applicationToken || record.expires >= tokens.expires
        ? undefined
        : { ...record, ...tokens },
    ).catch((err: unknown) => {
      log.error({ err, portal: memberId }, 'could not store the refreshed tokens: the next refresh stores them')
      return true
    })
    if (!done) log.warn({ portal: memberId }, 'the portal record kept changing: its refreshed tokens are not stored')
  }

  return { save, stored, storedTokens, change, saveTokens, forgetUnopened: (memberId) => unopened.delete(memberId) }
}
