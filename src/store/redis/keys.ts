/**
 * Where everything lives in Redis: short key names under one prefix (`REDIS_KEY_PREFIX`), so several deployments
 * can share a server. Per-dialog state is a field of a few shared hashes (compact: one field, not one key, per
 * dialog); only leases and limiters are keys of their own, because they expire.
 */

/** The prefix used when `REDIS_KEY_PREFIX` is not set. */
export const DEFAULT_KEY_PREFIX = 'b24ar:'

/** One dialog of one bot, optionally on a named portal (OAuth mode scopes every key by portal). */
export interface DialogRef {
  readonly portal?: string
  readonly botId: number
  readonly dialogId: string
}

/** The field naming a dialog in the shared hashes: `bot|dialog`, or `portal|bot|dialog` when scoped by portal. */
export function dialogField(ref: DialogRef): string {
  const local = `${ref.botId}|${ref.dialogId}`
  return ref.portal === undefined ? local : `${ref.portal}|${local}`
}

/** The key names of one deployment. */
export interface RedisKeys {
  /** Hash: dialog field -> pending read watermark. */
  readonly pending: string
  /** Hash: dialog field -> confirmed watermark. */
  readonly confirmed: string
  /** Hash: dialog field -> last fencing token issued for its read lease (never expires, only grows). */
  readonly fence: string
  /** Sorted set: seen event key scored by arrival sequence (dedupe). */
  readonly seen: string
  /** Counter: the arrival sequence of seen keys. */
  readonly seenSeq: string
  /** Hash: offset name -> value (fetch mode). */
  readonly offsets: string
  /** Hash: OAuth portal `member_id` -> its sealed install record (tokens encrypted before they get here). */
  readonly tenants: string
  /** String with expiry: `owner|token` of the replica reading the dialog. */
  lease(ref: DialogRef): string
  /** Hash with expiry: a portal's shared leaky bucket and holds. */
  limiter(portal: string): string
  /** String with expiry: `owner|token` of the replica polling the named event queue (fetch mode). */
  poller(name: string): string
}

/** Key names under `prefix`. */
export function redisKeys(prefix: string = DEFAULT_KEY_PREFIX): RedisKeys {
  return {
    pending: `${prefix}p`,
    confirmed: `${prefix}c`,
    fence: `${prefix}f`,
    seen: `${prefix}s`,
    seenSeq: `${prefix}q`,
    offsets: `${prefix}o`,
    tenants: `${prefix}t`,
    lease: (ref) => `${prefix}L:${dialogField(ref)}`,
    limiter: (portal) => `${prefix}l:${portal}`,
    poller: (name) => `${prefix}P:${name}`,
  }
}
