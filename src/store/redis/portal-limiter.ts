/**
 * One rate budget per portal across every replica: Bitrix24's leaky bucket (burst B, drained r per second) kept
 * in Redis and advanced on Redis's own clock (`TIME` inside the script), so replicas' clocks do not matter. The
 * same hash holds the portal-wide hold after a 503 or 429 and the per-method holds of the operating-time limit.
 * @see https://apidocs.bitrix24.com/limits.html
 */
import type { Redis, Result } from 'ioredis'
import type { RedisKeys } from './keys.js'
import { intReply, intsReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24LimiterTake(
      limiter: string,
      burst: number,
      perSec: number,
      method: string,
      cost: number,
    ): Result<unknown, Context>
    b24LimiterHold(
      limiter: string,
      field: string,
      ms: number,
      fillLevel: string,
      perSec: number,
    ): Result<unknown, Context>
  }
}

/** Redis's clock in milliseconds, and `ttl(need)`: extend the key's expiry to `need` ms, never shorten it. */
const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function ttl(need)
  need = math.ceil(need) + 1000
  if redis.call('PTTL', KEYS[1]) < need then redis.call('PEXPIRE', KEYS[1], need) end
end`

/**
 * KEYS: limiter. ARGV: burst, per second, method ('' for none), cost. Fields: l (level), t (when, ms), h (portal
 * hold until, ms), m:<method> (method hold until, ms). Answers {1, 0} when granted, else {0, ms to wait}.
 */
const take: ScriptDef = {
  name: 'b24LimiterTake',
  numberOfKeys: 1,
  lua: `${CLOCK}
local burst, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]) / 1000, tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'l', 't', 'h', 'm:' .. ARGV[3])
local level = math.max(0, (tonumber(s[1]) or 0) - (now - (tonumber(s[2]) or now)) * rate)
local wait = math.max(0, (tonumber(s[3]) or 0) - now)
if ARGV[3] ~= '' then wait = math.max(wait, (tonumber(s[4]) or 0) - now) end
if level + cost > burst + 1e-9 then wait = math.max(wait, (level + cost - burst) / rate) end
if wait > 0 then return {0, math.max(1, math.ceil(wait))} end
level = level + cost
redis.call('HSET', KEYS[1], 'l', string.format('%.6f', level), 't', string.format('%.3f', now))
ttl(level / rate)
return {1, 0}`,
}

/**
 * KEYS: limiter. ARGV: field (h or m:<method>), ms, fill level ('' to leave the bucket), per second. Holds until
 * now + ms on Redis's clock (a longer hold already set stays); answers the ms the hold lasts.
 */
const hold: ScriptDef = {
  name: 'b24LimiterHold',
  numberOfKeys: 1,
  lua: `${CLOCK}
local untilMs = math.max(now + tonumber(ARGV[2]), tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0)
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.3f', untilMs))
local need = untilMs - now
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'l', ARGV[3], 't', string.format('%.3f', now))
  need = math.max(need, tonumber(ARGV[3]) * 1000 / tonumber(ARGV[4]))
end
ttl(need)
return math.ceil(untilMs - now)`,
}

/** The scripts of this file, for `defineScripts`. */
export const portalLimiterScripts: readonly ScriptDef[] = [take, hold]

/** A portal's leaky-bucket figures: burst B, drained `perSec` requests per second. */
export interface RateBudget {
  readonly burst: number
  readonly perSec: number
}

/** The limiter's answer: send now, or try again after `waitMs`. */
export type LimiterAnswer = { readonly granted: true } | { readonly granted: false; readonly waitMs: number }

/**
 * Takes `cost` requests (default 1) from the portal's shared bucket if the budget and every hold allow it
 * (the portal's, and `method`'s when given); never grants more than B + r*t by time t across all callers.
 */
export async function takeRequest(
  redis: Redis,
  keys: RedisKeys,
  portal: string,
  budget: RateBudget,
  options: { readonly method?: string; readonly cost?: number } = {},
): Promise<LimiterAnswer> {
  const reply = await redis.b24LimiterTake(
    keys.limiter(portal),
    budget.burst,
    budget.perSec,
    options.method ?? '',
    options.cost ?? 1,
  )
  const [granted, waitMs] = intsReply(reply, 2, take.name)
  return granted === 1 ? { granted: true } : { granted: false, waitMs: waitMs ?? 0 }
}

/**
 * Holds every request to the portal for `ms` on Redis's clock (after a 503 or 429). With `fill`, the bucket is
 * also set full (the portal said so), so the burst is not spent again the moment the hold ends. Resolves to the
 * hold's remaining ms (a longer hold already set is kept).
 */
export async function holdPortal(
  redis: Redis,
  keys: RedisKeys,
  portal: string,
  ms: number,
  fill?: RateBudget,
): Promise<number> {
  const reply = await redis.b24LimiterHold(
    keys.limiter(portal),
    'h',
    Math.ceil(ms),
    fill === undefined ? '' : String(fill.burst),
    fill?.perSec ?? 1,
  )
  return intReply(reply, hold.name)
}

/** Holds calls of one method on the portal for `ms` on Redis's clock (operating-time limit); other methods go on. */
export async function holdMethod(
  redis: Redis,
  keys: RedisKeys,
  portal: string,
  method: string,
  ms: number,
): Promise<number> {
  const reply = await redis.b24LimiterHold(keys.limiter(portal), `m:${method}`, Math.ceil(ms), '', 1)
  return intReply(reply, hold.name)
}
