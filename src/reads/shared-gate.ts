/**
 * A portal gate whose rate budget is shared with other replicas: a slot is granted by the local gate (in-flight cap,
 * this replica's cool-downs and holds) and then by the shared budget, and what the portal answers (503/429
 * cool-downs, operating-time holds) is passed on to the shared budget so every replica holds back alike.
 */
import type { RestTime } from '../bitrix/port.js'
import { type GateOptions, PortalGate, type Slot, type SlotReport } from './portal-gate.js'
import type { SharedBudget } from './shared-budget.js'

/** How long to wait before asking an unreachable shared budget again. */
const UNREACHABLE_RETRY_MS = 500
/** Seconds before the operating budget at which a method is held until its reset (as the local gate does). */
const OPERATING_HOLD_MARGIN_S = 5

/** What the shared gate reports, for metrics. */
export interface SharedGateObserver {
  /** The shared budget said to wait `ms` (another replica spent it, or a hold is on). */
  onSharedWait?(ms: number): void
  /** A hold was passed on to the other replicas. */
  onSharedHold?(kind: 'portal' | 'method'): void
  /** The shared budget could not be reached. */
  onSharedError?(err: unknown): void
}

/** The gate of one portal among replicas sharing its budget. */
export class SharedPortalGate extends PortalGate {
  readonly #budget: SharedBudget
  readonly #observer: SharedGateObserver
  readonly #operatingLimitS: number
  readonly #clock: () => number
  #closed = false

  constructor(options: GateOptions, budget: SharedBudget, observer: SharedGateObserver = {}) {
    super(options)
    this.#budget = budget
    this.#observer = observer
    this.#operatingLimitS = options.operatingLimitS ?? 480
    this.#clock = options.now ?? Date.now
  }

  /** A local slot first, then the shared budget's grant; the local slot is held while the shared budget refills. */
  override async acquire(method: string): Promise<Slot> {
    const local = await super.acquire(method)
    for (;;) {
      let waitMs: number
      try {
        waitMs = await this.#budget.take(method)
      } catch (err) {
        this.#observer.onSharedError?.(err)
        waitMs = UNREACHABLE_RETRY_MS
      }
      if (waitMs <= 0) break
      this.#observer.onSharedWait?.(waitMs)
      await new Promise((resolve) => setTimeout(resolve, waitMs))
      // Closing leaves waiting callers pending, as the local gate does.
      if (this.#closed) return new Promise<Slot>(() => {})
    }
    let reported = false
    return {
      done: (report: SlotReport = {}) => {
        if (reported) return
        reported = true
        local.done(report)
        this.#share(report)
      },
    }
  }

  override close(): void {
    this.#closed = true
    super.close()
  }

  /** Passes the portal's answer on: the local gate's cool-down to every replica, and operating-time holds. */
  #share(report: SlotReport): void {
    const cooldownMs = this.snapshot().cooldownMs
    if ((report.rateLimited || report.overloaded) && cooldownMs > 0) {
      this.#send('portal', this.#budget.holdPortal(cooldownMs, report.rateLimited === true))
    }
    const now = this.#clock()
    for (const { method: m, time } of report.times ?? []) {
      if (time.operating !== undefined && time.operating >= this.#operatingLimitS - OPERATING_HOLD_MARGIN_S) {
        this.#send('method', this.#budget.holdMethod(m, holdMs(time, now)))
      }
    }
    for (const blocked of report.operatingBlocked ?? []) {
      const time = report.times?.find((t) => t.method === blocked)?.time
      this.#send('method', this.#budget.holdMethod(blocked, time ? holdMs(time, now) : 60_000))
    }
  }

  #send(kind: 'portal' | 'method', hold: Promise<void>): void {
    this.#observer.onSharedHold?.(kind)
    hold.catch((err: unknown) => this.#observer.onSharedError?.(err))
  }
}

/** Until the method's operating budget resets (plus a second), or a minute when the portal did not say. */
function holdMs(time: RestTime, now: number): number {
  const reset = time.operatingResetAt === undefined ? undefined : time.operatingResetAt * 1000
  return reset !== undefined && reset > now ? reset + 1_000 - now : 60_000
}
