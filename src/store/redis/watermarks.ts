/**
 * Raise-only and clear-if-reached watermarks in a hash, each one atomic on the server so that replicas racing on
 * the same dialog can never lower a watermark or clear one that a higher id has just raised.
 */
import type { Redis, Result } from 'ioredis'
import { intReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24RaiseField(hash: string, field: string, value: number): Result<unknown, Context>
    b24ClearField(hash: string, field: string, value: number): Result<unknown, Context>
  }
}

/** Sets `hash[field]` to `value` only when it is higher than the stored one; answers 1 when it raised it. */
const raise: ScriptDef = {
  name: 'b24RaiseField',
  numberOfKeys: 1,
  lua: `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0
if tonumber(ARGV[2]) <= cur then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`,
}

/** Deletes `hash[field]` when it is at or below `value` (a higher id arrived meanwhile otherwise). */
const clear: ScriptDef = {
  name: 'b24ClearField',
  numberOfKeys: 1,
  lua: `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if cur == nil or cur > tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1`,
}

/** The scripts of this file, for `defineScripts`. */
export const watermarkScripts: readonly ScriptDef[] = [raise, clear]

/** Raises `hash[field]` to `value` if higher; true when it did. */
export async function raiseWatermark(redis: Redis, hash: string, field: string, value: number): Promise<boolean> {
  return intReply(await redis.b24RaiseField(hash, field, value), raise.name) === 1
}

/** Clears `hash[field]` if it is at or below `value`; true when it did. */
export async function clearWatermark(redis: Redis, hash: string, field: string, value: number): Promise<boolean> {
  return intReply(await redis.b24ClearField(hash, field, value), clear.name) === 1
}
