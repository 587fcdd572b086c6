/**
 * Bot registrations that failed at install are not lost: the portal's install record stays, and the registration is
 * retried in the background with bounded, jittered backoff (and at once when the portal's install is delivered
 * again) until the portal accepts it or the app is uninstalled. Each portal's state is logged once per change,
 * listed by `issues()` for `/readyz` and the metrics, and told to `onPending` so the portal's record keeps it: a
 * restarted service `resume`s it. `imbot.v2.Bot.register` is idempotent per bot code, so replicas retrying the same
 * portal do no harm.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.html
 */
import type { Logger } from 'pino'
import type { RestError, RestOutcome } from '../bitrix/port.js'
import { type BackoffPolicy, backoffDelay } from '../reads/backoff.js'
import type { InstallIssue } from '../reads/portal-registry.js'

/** What the registrations need. */
export interface BotRegistrationsOptions {
  readonly log: Logger
  /** Delay bounds between attempts (default 2 s to 10 min). */
  readonly backoff?: BackoffPolicy
  readonly random?: () => number
  /** Told of each attempt's outcome (metrics). */
  readonly onAttempt?: (outcome: 'registered' | 'failed') => void
  /**
   * Told when a portal's registration becomes pending or is refused for another reason (the refusal's code), and
   * when a pending one succeeds (undefined), to keep it in the portal's record; must not throw.
   */
  readonly onPending?: (portal: string, code: string | undefined) => void
}

/**
 * One portal's registration attempt: sends `imbot.v2.Bot.register` and answers the portal's outcome, or undefined
 * when the portal is no longer installed (nothing left to retry).
 */
export type RegisterAttempt = () => Promise<RestOutcome | undefined>

interface Pending {
  readonly attempt: RegisterAttempt
  error: RestError
  attempts: number
  timer: NodeJS.Timeout | undefined
  running: boolean
}

const ADVICE: Readonly<Record<string, string>> = {
  BOT_LIMIT_EXCEEDED: 'the portal has its maximum of bots: remove one there; the registration is retried',
  insufficient_scope: 'give the app the imbot scope in its settings and reinstall it on the portal',
  ACCESS_DENIED: 'the installing user may not register bots: reinstall the app as a portal administrator',
  PAYMENT_REQUIRED: "the portal's plan does not allow bots: the registration is retried after a plan change",
}

/** What to do about a registration refused with `code`. */
export function registrationAdvice(code: string): string {
  // The code comes from the portal: `constructor` or `__proto__` must not reach the object's prototype.
  if (Object.hasOwn(ADVICE, code)) return ADVICE[code] as string
  return 'retried with backoff; if it persists, check the portal and reinstall the app'
}

/** Tracks and retries the bot registration of each installed portal. */
export class BotRegistrations {
  readonly #pending = new Map<string, Pending>()
  readonly #options: BotRegistrationsOptions
  readonly #backoff: BackoffPolicy
  #stopped = false

  constructor(options: BotRegistrationsOptions) {
    this.#options = options
    this.#backoff = options.backoff ?? { baseMs: 2_000, maxMs: 600_000 }
  }

  /** Registers the bot on `portal` now; on failure keeps retrying in the background. Never throws. */
  async register(portal: string, attempt: RegisterAttempt): Promise<boolean> {
    this.#cancel(portal)
    const answer = await safely(attempt)
    if (answer === undefined) return false
    if (answer.ok) {
      this.#options.onAttempt?.('registered')
      this.#options.log.info({ portal }, 'app installed: bot registered')
      return true
    }
    this.#fail(portal, { attempt, error: answer.error, attempts: 1, timer: undefined, running: false })
    return false
  }

  /**
   * Resumes the retries of a registration that was still pending when the service last stopped (`code`, the last
   * refusal); nothing when the portal's registration is already tracked here or the service is stopping.
   */
  resume(portal: string, code: string, attempt: RegisterAttempt): void {
    if (this.#stopped || this.#pending.has(portal)) return
    const error = { code, status: 0, message: 'refused before the service restarted' }
    const pending: Pending = { attempt, error, attempts: 1, timer: undefined, running: false }
    this.#pending.set(portal, pending)
    this.#options.log.warn(
      { portal, code, advice: registrationAdvice(code) },
      'bot registration still pending from before the restart: retrying',
    )
    this.#schedule(portal, pending)
  }

  /** Retries at once a portal whose registration is pending (its install was delivered again); else nothing. */
  retryNow(portal: string): void {
    const pending = this.#pending.get(portal)
    if (pending === undefined || pending.running) return
    clearTimeout(pending.timer)
    void this.#retry(portal, pending)
  }

  /** Stops retrying `portal` (its app was uninstalled). */
  forget(portal: string): void {
    this.#cancel(portal)
  }

  /** The portals installed without their bot. */
  issues(): InstallIssue[] {
    return [...this.#pending].map(([portal, p]) => ({
      portal,
      code: p.error.code,
      attempts: p.attempts,
      advice: registrationAdvice(p.error.code),
    }))
  }

  /** Stops every retry (shutdown). */
  stop(): void {
    this.#stopped = true
    for (const portal of [...this.#pending.keys()]) this.#cancel(portal)
  }

  #cancel(portal: string): void {
    clearTimeout(this.#pending.get(portal)?.timer)
    this.#pending.delete(portal)
  }

  #fail(portal: string, pending: Pending): void {
    this.#options.onAttempt?.('failed')
    const previous = this.#pending.get(portal)
    if (previous?.error.code !== pending.error.code) {
      const { code, status } = pending.error
      const advice = registrationAdvice(code)
      this.#options.log.error({ portal, code, status, advice }, 'app installed, but the bot is not registered')
      this.#options.onPending?.(portal, code)
    }
    this.#pending.set(portal, pending)
    this.#schedule(portal, pending)
  }

  #schedule(portal: string, pending: Pending): void {
    if (this.#stopped) return
    const delay = backoffDelay(this.#backoff, pending.attempts - 1, this.#options.random)
    pending.timer = setTimeout(() => void this.#retry(portal, pending), delay)
    pending.timer.unref()
  }

  async #retry(portal: string, pending: Pending): Promise<void> {
    if (this.#stopped || this.#pending.get(portal) !== pending) return
    pending.running = true
    const answer = await safely(pending.attempt)
    pending.running = false
    // Uninstalled or stopped meanwhile: the answer changes nothing.
    if (this.#stopped || this.#pending.get(portal) !== pending) return
    if (answer === undefined) {
      this.#pending.delete(portal)
      this.#options.log.info({ portal }, 'bot registration dropped: the app is no longer installed on the portal')
      return
    }
    if (answer.ok) {
      this.#pending.delete(portal)
      this.#options.onPending?.(portal, undefined)
      this.#options.onAttempt?.('registered')
      this.#options.log.info({ portal, attempts: pending.attempts + 1 }, 'bot registered after a failed attempt')
      return
    }
    pending.attempts += 1
    const changed = answer.error.code !== pending.error.code
    pending.error = answer.error
    this.#options.onAttempt?.('failed')
    if (changed) {
      const { code, status } = answer.error
      this.#options.log.error(
        { portal, code, status, advice: registrationAdvice(code) },
        'bot registration still failing, for another reason',
      )
      this.#options.onPending?.(portal, code)
    }
    this.#schedule(portal, pending)
  }
}

async function safely(attempt: RegisterAttempt): Promise<RestOutcome | undefined> {
  try {
    return await attempt()
  } catch (err) {
    return { ok: false, error: { code: 'UNKNOWN_ERROR', status: 0, message: String(err).slice(0, 200) } }
  }
}
