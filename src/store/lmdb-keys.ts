/** How the LMDB store names dialogs: database keys (with or without a portal), the mirror's string keys, decoding. */
import type { DialogMark } from './state-store.js'

/** `[botId, dialogId]` (webhook auth, and every key written before portals were scoped) or `[portal, botId, dialogId]`. */
export type DialogKey = [number, string] | [string, number, string]
/** A confirmed watermark and when it was confirmed (s), for pruning the oldest. */
export interface ConfirmedValue {
  readonly id: number
  readonly at: number
}

/** The mirror's string key of a dialog. */
export const keyOf = (botId: number, dialogId: string, portal?: string): string =>
  portal === undefined ? `${botId}|${dialogId}` : `${portal}|${botId}|${dialogId}`
/** The mirror's string key of a mark's dialog. */
export const markKey = (mark: DialogMark): string => keyOf(mark.botId, mark.dialogId, mark.portal)
/** The database key of a dialog (portal-scoped when `portal` is given). */
export const dbKey = (botId: number, dialogId: string, portal?: string): DialogKey =>
  portal === undefined ? [botId, dialogId] : [portal, botId, dialogId]
/** The database key of a mark's dialog. */
export const markDbKey = (mark: DialogMark): DialogKey => dbKey(mark.botId, mark.dialogId, mark.portal)

/** The dialog a stored key names, undefined for a damaged one. */
export function dialogOf(key: unknown): { portal?: string; botId: number; dialogId: string } | undefined {
  if (!Array.isArray(key)) return undefined
  const parts: unknown[] = key
  const [first, second, third] = parts
  if (parts.length === 2 && typeof first === 'number' && typeof second === 'string') {
    return { botId: first, dialogId: second }
  }
  if (parts.length === 3 && typeof first === 'string' && typeof second === 'number' && typeof third === 'string') {
    return { portal: first, botId: second, dialogId: third }
  }
  return undefined
}

/** A stored value read back as a positive safe integer, undefined otherwise. */
export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}
