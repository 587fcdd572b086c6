/** Races a promise against a deadline, for drains and sleeps that must not hold a shutdown. */

/**
 * Waits for `promise`, at most `ms`: true when it fulfilled in time, false when the time ran out first (the
 * promise is left running). A rejection in time rejects. The timer is cleared either way, so nothing is left to
 * keep the process alive.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), false)
  })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
