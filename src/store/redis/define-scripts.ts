/** Registers every server-side script on a client: ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT. */
import type { Redis } from 'ioredis'
import { eventOnceScripts } from './event-once.js'
import { fencedLeaseScripts } from './fenced-lease.js'
import { pollerLeaseScripts } from './poller-lease.js'
import { portalLimiterScripts } from './portal-limiter.js'
import { readLeaseScripts } from './read-lease.js'
import { replaceTenantScripts } from './replace-tenant.js'
import type { ScriptDef } from './script.js'
import { watermarkScripts } from './watermarks.js'

/** Every script this service runs in Redis. */
export const ALL_SCRIPTS: readonly ScriptDef[] = [
  ...watermarkScripts,
  ...eventOnceScripts,
  ...fencedLeaseScripts,
  ...readLeaseScripts,
  ...portalLimiterScripts,
  ...pollerLeaseScripts,
  ...replaceTenantScripts,
]

/** Adds the scripts as commands of `redis` (idempotent) and returns it. */
export function defineScripts(redis: Redis): Redis {
  for (const script of ALL_SCRIPTS) {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua })
  }
  return redis
}
