/**
 * A portal's `SharedBudget` on the Redis limiter script: one leaky bucket per portal for every replica, advanced on
 * Redis's clock, with the portal-wide and per-method holds in the same key.
 */
import type { SharedBudget } from '../reads/shared-budget.js'
import { holdMethod, holdPortal, type RateBudget, takeRequest } from './redis/portal-limiter.js'
import type { RedisStore } from './redis-store.js'

/** Requests of the portal's burst kept unused, against arrival jitter between replicas. */
export const SHARED_HEADROOM = 2

/** The shared budget of `portal` with the portal's own figures (`B24_RATE_BURST`, `B24_RATE_PER_SEC`). */
export function redisBudget(store: RedisStore, portal: string, figures: RateBudget): SharedBudget {
  const { client, keys } = store
  // Two requests of headroom (the local bucket keeps one): requests granted apart can reach the portal bunched, and
  // more so from several hosts, each opening its own connections.
  const budget: RateBudget = { burst: Math.max(1, figures.burst - SHARED_HEADROOM), perSec: figures.perSec }
  return {
    async take(method) {
      const answer = await takeRequest(client, keys, portal, budget, { method })
      return answer.granted ? 0 : answer.waitMs
    },
    async holdPortal(ms, fill) {
      await holdPortal(client, keys, portal, ms, fill ? budget : undefined)
    },
    async holdMethod(method, ms) {
      await holdMethod(client, keys, portal, method, ms)
    },
  }
}
