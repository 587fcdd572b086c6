import type { RestErrorCode } from './rest-error.js'
import type { FaultKind, FaultSpec } from './types.js'

interface PendingFault {
  kind: FaultKind
  remaining: number
  method: string | undefined
  delayMs: number
  code: RestErrorCode
}

/** A FIFO of injected faults; each matching request consumes one use of the first fault that matches it. */
export class FaultQueue {
  #pending: PendingFault[] = []

  /** Queues `spec.times` (default 1) uses of a fault. */
  add(spec: FaultSpec): void {
    this.#pending.push({
      kind: spec.kind,
      remaining: spec.times ?? 1,
      method: spec.method?.toLowerCase(),
      delayMs: spec.delayMs ?? 1000,
      code: spec.code ?? 'ACCESS_DENIED',
    })
  }

  /** Takes the fault for a request to `methods` (the method, or a batch's command methods plus `batch`), if any. */
  take(methods: readonly string[]): { kind: FaultKind; delayMs: number; code: RestErrorCode } | undefined {
    const lowered = methods.map((m) => m.toLowerCase())
    const index = this.#pending.findIndex((f) => f.method === undefined || lowered.includes(f.method))
    const fault = this.#pending[index]
    if (!fault) return undefined
    fault.remaining -= 1
    if (fault.remaining <= 0) this.#pending.splice(index, 1)
    return { kind: fault.kind, delayMs: fault.delayMs, code: fault.code }
  }

  /** How many uses are still queued. */
  pending(): number {
    return this.#pending.reduce((sum, f) => sum + f.remaining, 0)
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#pending = []
  }
}
