/**
 * Fetch mode across replicas: one poller at a time per event queue (a fenced lease), and its offset in Redis,
 * saved only by the current lease holder and never moved backwards, so a poller that lost its lease while a page
 * was in flight cannot rewind the queue for the new one.
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
import type { RedisKeys } from './keys.js'
import { intReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24OffsetSave(
      fence: string,
      offsets: string,
      field: string,
      token: number,
      name: string,
      value: number,
    ): Result<unknown, Context>
  }
}

/** KEYS: fence, offsets. ARGV: fence field, token, offset name, value. -1 stale token, 0 not higher, 1 saved. */
const save: ScriptDef = {
  name: 'b24OffsetSave',
  numberOfKeys: 2,
  lua: `
if tonumber(ARGV[2]) ~= (tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0) then return -1 end
if tonumber(ARGV[4]) <= (tonumber(redis.call('HGET', KEYS[2], ARGV[3])) or -1) then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return 1`,
}

/** The scripts of this file, for `defineScripts`. */
export const pollerLeaseScripts: readonly ScriptDef[] = [save]

/** How saving an offset ended: saved, already at or past it, or refused because another poller took over. */
export type OffsetOutcome = 'saved' | 'not-higher' | 'stale-token'

/** The poller's lease key and the fence field of its tokens (never a dialog field: those start with a digit or a portal). */
function pollerKeys(keys: RedisKeys, name: string): LeaseKeys {
  return { lease: keys.poller(name), fence: keys.fence, field: `poll|${name}` }
}

/** Becomes the poller of the named queue for `ttlMs` (or renews it for the same owner). */
export async function acquirePollerLease(
  redis: Redis,
  keys: RedisKeys,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<LeaseAttempt> {
  return acquireLease(redis, pollerKeys(keys, name), owner, ttlMs)
}

/** Extends the poller lease; false when it lapsed or another replica took it (stop polling). */
export async function renewPollerLease(
  redis: Redis,
  keys: RedisKeys,
  name: string,
  lease: FencedLease,
): Promise<boolean> {
  return renewLease(redis, keys.poller(name), lease)
}

/** Hands polling over at once (shutdown); false when the lease was no longer held. */
export async function releasePollerLease(
  redis: Redis,
  keys: RedisKeys,
  name: string,
  lease: FencedLease,
): Promise<boolean> {
  return releaseLease(redis, keys.poller(name), lease)
}

/** Saves the queue's offset if `lease` is still the newest poller lease and `value` is higher than the stored one. */
export async function saveFencedOffset(
  redis: Redis,
  keys: RedisKeys,
  name: string,
  lease: FencedLease,
  value: number,
): Promise<OffsetOutcome> {
  const at = pollerKeys(keys, name)
  const outcome = intReply(
    await redis.b24OffsetSave(at.fence, keys.offsets, at.field, lease.token, name, value),
    save.name,
  )
  return outcome === 1 ? 'saved' : outcome === 0 ? 'not-higher' : 'stale-token'
}

/** The queue's offset as stored in Redis (whoever saved it), undefined when never saved. */
export async function sharedOffset(redis: Redis, keys: RedisKeys, name: string): Promise<number | undefined> {
  const value = await redis.hget(keys.offsets, name)
  const n = Number(value ?? Number.NaN)
  return value !== null && Number.isSafeInteger(n) ? n : undefined
}
