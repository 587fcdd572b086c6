/**
 * A lease with an expiry and a fencing token that only grows: at most one holder at a time across replicas,
 * taken over once the holder stops renewing it (killed, partitioned), and a token that lets the shared state
 * refuse a write from a holder that lost the lease. `read-lease.ts` and `poller-lease.ts` name the keys.
 * @see https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html
 */
import type { Redis, Result } from 'ioredis'
import { intReply, intsReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24LeaseAcquire(lease: string, fence: string, field: string, owner: string, ttlMs: number): Result<unknown, Context>
    b24LeaseRenew(lease: string, value: string, ttlMs: number): Result<unknown, Context>
    b24LeaseRelease(lease: string, value: string): Result<unknown, Context>
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

/** The scripts of this file, for `defineScripts`. */
export const fencedLeaseScripts: readonly ScriptDef[] = [acquire, renew, release]

/** Where a lease lives: its expiring key, and the field of the fence hash that keeps its last token. */
export interface LeaseKeys {
  readonly lease: string
  readonly fence: string
  readonly field: string
}

/** A held lease: the holder, its fencing token and how long it lasts unless renewed. */
export interface FencedLease {
  readonly owner: string
  readonly token: number
  readonly ttlMs: number
}

/** The answer to an acquire: the lease, or how long until the current holder's lease lapses. */
export type LeaseAttempt =
  | { readonly held: true; readonly lease: FencedLease }
  | { readonly held: false; readonly retryMs: number }

/** Takes (or re-takes, for the same owner) the lease for `ttlMs`; a new holder gets a higher token. */
export async function acquireLease(redis: Redis, at: LeaseKeys, owner: string, ttlMs: number): Promise<LeaseAttempt> {
  const reply = await redis.b24LeaseAcquire(at.lease, at.fence, at.field, owner, ttlMs)
  const [held, token, ms] = intsReply(reply, 3, acquire.name)
  if (held === 1 && token !== undefined && ms !== undefined) return { held: true, lease: { owner, token, ttlMs: ms } }
  return { held: false, retryMs: Math.max(0, ms ?? 0) }
}

/** Extends a lease this holder still has; false when it lapsed or was taken over (stop acting on it). */
export async function renewLease(redis: Redis, leaseKey: string, lease: FencedLease): Promise<boolean> {
  return intReply(await redis.b24LeaseRenew(leaseKey, `${lease.owner}|${lease.token}`, lease.ttlMs), renew.name) === 1
}

/** Gives the lease back so another replica can take it at once; false when it was no longer held. */
export async function releaseLease(redis: Redis, leaseKey: string, lease: FencedLease): Promise<boolean> {
  return intReply(await redis.b24LeaseRelease(leaseKey, `${lease.owner}|${lease.token}`), release.name) === 1
}
