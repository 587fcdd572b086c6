/**
 * At most one read in flight per (portal, bot, dialog) across replicas: a fenced lease per dialog, so a killed
 * replica's dialogs are taken over once it lapses, and a confirmation that a replica which lost its lease
 * (paused, partitioned) cannot apply after a newer holder took it.
 */
import type { Redis, Result } from 'ioredis'
import {
  acquireLease,
  type FencedLease,
  type LeaseAttempt,
  type LeaseKeys,
  releaseLease,
  renewLease,
} from './fenced-lease.js'
import { type DialogRef, dialogField, type RedisKeys } from './keys.js'
import { intReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24LeaseConfirm(
      fence: string,
      confirmed: string,
      pending: string,
      field: string,
      token: number,
      messageId: number,
    ): Result<unknown, Context>
  }
}

/**
 * KEYS: fence, confirmed, pending. ARGV: field, token, message id. -1: a newer token was issued (stale holder).
 * Otherwise the pending watermark is cleared if the id reaches it, and the answer is 1 when the confirmed
 * watermark was raised, 0 when it already stood at or above the id.
 */
const confirm: ScriptDef = {
  name: 'b24LeaseConfirm',
  numberOfKeys: 3,
  lua: `
if tonumber(ARGV[2]) ~= (tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0) then return -1 end
local id = tonumber(ARGV[3])
local pending = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if pending ~= nil and pending <= id then redis.call('HDEL', KEYS[3], ARGV[1]) end
if id <= (tonumber(redis.call('HGET', KEYS[2], ARGV[1])) or 0) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`,
}

/** The scripts of this file, for `defineScripts`. */
export const readLeaseScripts: readonly ScriptDef[] = [confirm]

/** A held read lease (see `fenced-lease.ts`). */
export type ReadLease = FencedLease

/** How a confirmation ended: raised, already at or above the id, or refused because a newer lease was issued. */
export type ConfirmOutcome = 'confirmed' | 'not-higher' | 'stale-token'

/** Where the dialog's lease and fencing token live. */
function leaseKeys(keys: RedisKeys, dialog: DialogRef): LeaseKeys {
  return { lease: keys.lease(dialog), fence: keys.fence, field: dialogField(dialog) }
}

/** Takes (or re-takes, for the same owner) the dialog's read lease for `ttlMs`; a new holder gets a higher token. */
export async function acquireReadLease(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  owner: string,
  ttlMs: number,
): Promise<LeaseAttempt> {
  return acquireLease(redis, leaseKeys(keys, dialog), owner, ttlMs)
}

/** Extends a lease this holder still has; false when it lapsed or was taken over (stop reading the dialog). */
export async function renewReadLease(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  lease: ReadLease,
): Promise<boolean> {
  return renewLease(redis, keys.lease(dialog), lease)
}

/** Gives the lease back so another replica can read the dialog at once; false when it was no longer held. */
export async function releaseReadLease(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  lease: ReadLease,
): Promise<boolean> {
  return releaseLease(redis, keys.lease(dialog), lease)
}

/**
 * Compare-and-set of the dialog's confirmed watermark after a read with `token`: refused when a newer token was
 * issued since, never lowers the watermark, and clears the pending read the id covers, all in one step.
 */
export async function confirmRead(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  token: number,
  messageId: number,
): Promise<ConfirmOutcome> {
  const reply = await redis.b24LeaseConfirm(
    keys.fence,
    keys.confirmed,
    keys.pending,
    dialogField(dialog),
    token,
    messageId,
  )
  const outcome = intReply(reply, confirm.name)
  return outcome === 1 ? 'confirmed' : outcome === 0 ? 'not-higher' : 'stale-token'
}
