/**
 * The rate budget a portal's replicas share (one leaky bucket per portal, wherever the requests come from), as the
 * gate sees it: ask before sending, and pass on what the portal said so every replica holds back alike. With one
 * process there is none; with `STATE_STORE=redis` it is the limiter script in Redis (`store/redis-budget.ts`).
 * @see https://apidocs.bitrix24.com/limits.html
 */

/** A portal's shared budget. Every call may reject when the shared store is unreachable (the gate waits and asks again). */
export interface SharedBudget {
  /** Takes one request to call `method`: resolves to 0 when granted, else the milliseconds to wait first. */
  take(method: string): Promise<number>
  /** Holds every request to the portal for `ms` (after 503/429); `fill` also marks the bucket full, as the portal said. */
  holdPortal(ms: number, fill: boolean): Promise<void>
  /** Holds calls of `method` for `ms` (its operating-time budget is spent); other methods go on. */
  holdMethod(method: string, ms: number): Promise<void>
}
