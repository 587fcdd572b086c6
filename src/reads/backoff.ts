/** Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog). */

/** Backoff bounds in milliseconds. */
export interface BackoffPolicy {
  readonly baseMs: number
  readonly maxMs: number
}

/** A random delay in [base, min(max, base * 2^attempt)] for the given attempt (0-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(policy.baseMs + random() * (ceiling - policy.baseMs))
}
