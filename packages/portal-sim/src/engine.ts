import type { AuthContext, MethodContext } from './context.js'
import { bump, type Counters } from './counters.js'
import { findMethod } from './methods/registry.js'
import type { OperatingTimeTracker } from './operating-time.js'
import { RestError } from './rest-error.js'
import { type TimeBlock, timeBlock } from './time-block.js'
import type { CallRecord, OperatingCost, Params } from './types.js'

/** Everything one method call needs besides its auth and params. */
export interface Engine {
  base: Omit<MethodContext, 'auth'>
  operating: OperatingTimeTracker
  cost: OperatingCost
  counters: Counters
  calls: CallRecord[]
  /** Unexpected exceptions thrown by handlers (answered as 500); tests can assert it stays empty. */
  internalErrors: unknown[]
}

/** The outcome of one method call. */
export type CallOutcome = { ok: true; result: unknown; time: TimeBlock } | { ok: false; error: RestError }

/**
 * Runs one method (a direct call or a batch command): unknown method → 404 ERROR_METHOD_NOT_FOUND;
 * over the operating limit → 429 OPERATION_TIME_LIMIT; otherwise runs it and charges its operating cost.
 */
export function executeCall(
  engine: Engine,
  auth: AuthContext,
  method: string,
  params: Params,
  via: CallRecord['via'],
): CallOutcome {
  const startMs = Date.now()
  return recordCall(engine, method, params, via, startMs, run(engine, auth, method, params, startMs))
}

/** Records a call that was refused before reaching its handler (e.g. a method not allowed in batch). */
export function refuseCall(
  engine: Engine,
  method: string,
  params: Params,
  via: CallRecord['via'],
  error: RestError,
): CallOutcome {
  return recordCall(engine, method, params, via, Date.now(), { ok: false, error })
}

function recordCall(
  engine: Engine,
  method: string,
  params: Params,
  via: CallRecord['via'],
  startMs: number,
  outcome: CallOutcome,
): CallOutcome {
  bump(engine.counters.byMethod, method)
  engine.calls.push({
    method,
    params,
    via,
    ok: outcome.ok,
    errorCode: outcome.ok ? undefined : outcome.error.code,
    at: startMs,
  })
  return outcome
}

function run(engine: Engine, auth: AuthContext, method: string, params: Params, startMs: number): CallOutcome {
  const handler = findMethod(method)
  if (!handler) return { ok: false, error: new RestError('ERROR_METHOD_NOT_FOUND') }
  if (engine.operating.isBlocked(method)) {
    engine.counters.rejected429 += 1
    return { ok: false, error: new RestError('OPERATION_TIME_LIMIT') }
  }
  let result: unknown
  let error: RestError | undefined
  try {
    result = handler({ ...engine.base, auth }, params)
  } catch (thrown) {
    if (!(thrown instanceof RestError)) engine.internalErrors.push(thrown)
    error = thrown instanceof RestError ? thrown : new RestError('INTERNAL_SERVER_ERROR')
  }
  engine.operating.charge(method, typeof engine.cost === 'function' ? engine.cost(method, params) : engine.cost)
  if (error) return { ok: false, error }
  return { ok: true, result, time: timeBlock(startMs, Date.now(), engine.operating.snapshot(method)) }
}
