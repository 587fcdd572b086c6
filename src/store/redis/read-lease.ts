/**
 * At most one read in flight per (portal, bot, dialog) across replicas: a lease with an expiry, so a killed
 * replica's dialogs are taken over once it lapses, and a fencing token that only grows, so a replica that
 * lost its lease (paused, partitioned) cannot move the confirmed watermark after a newer holder did.
 * @see https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html
 */
import type { Redis, Result } from 'ioredis'
import { type DialogRef, dialogField, type RedisKeys } from './keys.js'
import { intReply, intsReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24LeaseAcquire(lease: string, fence: string, field: string, owner: string, ttlMs: number): Result<unknown, Context>
    b24LeaseRenew(lease: string, value: string, ttlMs: number): Result<unknown, Context>
    b24LeaseRelease(lease: string, value: string): Result<unknown, Context>
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

/** KEYS: lease, fence. ARGV: field, owner, ttl. Answers {1, token, ttl} when held by `owner`, else {0, 0, pttl}. */
const acquire: ScriptDef = {
  name: 'b24LeaseAcquire',
  numberOfKeys: 2,
  lua: `
local cur = redis.call('GET', KEYS[1])
if cur then
  local owner, token = string.match(cur, '^(.*)|(%d+)$')
  if owner ~= ARGV[2] then return {0, 0, redis.call('PTTL', KEYS[1])} end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, tonumber(token), tonumber(ARGV[3])}
end
local token = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. token, 'PX', ARGV[3])
return {1, token, tonumber(ARGV[3])}`,
}

/** KEYS: lease. ARGV: `owner|token`, ttl. Extends the lease only if it is still this holder's. */
const renew: ScriptDef = {
  name: 'b24LeaseRenew',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
}

/** KEYS: lease. ARGV: `owner|token`. Deletes the lease only if it is still this holder's. */
const release: ScriptDef = {
  name: 'b24LeaseRelease',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`,
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
export const readLeaseScripts: readonly ScriptDef[] = [acquire, renew, release, confirm]

/** A held lease: the holder, its fencing token and how long it lasts unless renewed. */
export interface ReadLease {
  readonly owner: string
  readonly token: number
  readonly ttlMs: number
}

/** The answer to an acquire: the lease, or how long until the current holder's lease lapses. */
export type LeaseAttempt =
  | { readonly held: true; readonly lease: ReadLease }
  | { readonly held: false; readonly retryMs: number }

/** How a confirmation ended: raised, already at or above the id, or refused because a newer lease was issued. */
export type ConfirmOutcome = 'confirmed' | 'not-higher' | 'stale-token'

/** Takes (or re-takes, for the same owner) the dialog's read lease for `ttlMs`; a new holder gets a higher token. */
export async function acquireReadLease(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  owner: string,
  ttlMs: number,
): Promise<LeaseAttempt> {
  const reply = await redis.b24LeaseAcquire(keys.lease(dialog), keys.fence, dialogField(dialog), owner, ttlMs)
  const [held, token, ms] = intsReply(reply, 3, acquire.name)
  if (held === 1 && token !== undefined && ms !== undefined) return { held: true, lease: { owner, token, ttlMs: ms } }
  return { held: false, retryMs: Math.max(0, ms ?? 0) }
}

/** Extends a lease this holder still has; false when it lapsed or was taken over (stop reading the dialog). */
export async function renewReadLease(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  lease: ReadLease,
): Promise<boolean> {
  const reply = await redis.b24LeaseRenew(keys.lease(dialog), `${lease.owner}|${lease.token}`, lease.ttlMs)
  return intReply(reply, renew.name) === 1
}

/** Gives the lease back so another replica can read the dialog at once; false when it was no longer held. */
export async function releaseReadLease(
  redis: Redis,
  keys: RedisKeys,
  dialog: DialogRef,
  lease: ReadLease,
): Promise<boolean> {
  return intReply(await redis.b24LeaseRelease(keys.lease(dialog), `${lease.owner}|${lease.token}`), release.name) === 1
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
