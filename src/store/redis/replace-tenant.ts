/**
 * A portal's install record replaced only while Redis still holds the version the caller read: a replica that
 * changes one field (the bot registration state) never writes back tokens another replica refreshed meanwhile,
 * nor brings back a record another replica removed.
 */
import type { Redis, Result } from 'ioredis'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24ReplaceTenant(tenants: string, memberId: string, expected: string, sealed: string): Result<number, Context>
  }
}

/** KEYS: tenants. ARGV: member id, the sealed record read, the new one. Answers 1 when replaced, else 0. */
const replace: ScriptDef = {
  name: 'b24ReplaceTenant',
  numberOfKeys: 1,
  lua: `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`,
}

/** The install record script. */
export const replaceTenantScripts: readonly ScriptDef[] = [replace]

/** Replaces the sealed record of `memberId` with `sealed` while it is still `expected`; true when it did. */
export async function replaceTenantIf(
  redis: Redis,
  tenants: string,
  memberId: string,
  expected: string,
  sealed: string,
): Promise<boolean> {
  return (await redis.b24ReplaceTenant(tenants, memberId, expected, sealed)) === 1
}
