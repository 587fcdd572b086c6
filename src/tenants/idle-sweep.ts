/**
 * Looks for idle OAuth portals to evict every quarter of `OAUTH_PORTAL_IDLE_MS` (between 1 s and 1 min), so a
 * portal leaves memory at most a quarter of its idle time late, whether or not other events arrive.
 */
import type { PortalRegistry } from '../reads/portal-registry.js'

/** Starts the sweep when the registry evicts (OAuth mode); returns how to stop it. */
export function startIdleSweep(registry: Pick<PortalRegistry, 'evictIdle'>, idleMs: number): () => void {
  const { evictIdle } = registry
  if (evictIdle === undefined) return () => {}
  const timer = setInterval(() => evictIdle(), Math.min(60_000, Math.max(1_000, Math.round(idleMs / 4))))
  timer.unref()
  return () => clearInterval(timer)
}
