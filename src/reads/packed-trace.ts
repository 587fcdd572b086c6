/**
 * A read's trace ids kept per pending dialog as a number where they allow it, so 100,000 pending dialogs keep no
 * trace object or id string each (issue 10 item 4). Fastify's default request ids (`req-<base 36 counter>`) pack
 * to the counter, fetch mode's numeric event id to its negation; any other trace is kept as given. Unpacking
 * gives back the same ids, so the read's log line is unchanged.
 */
import type { Trace } from './read-contract.js'

/** A trace as a pending dialog keeps it: a request counter (>= 0), a negated event id (< 0), or the trace itself. */
export type PackedTrace = number | Trace | undefined

/** Counters up to this stay small integers in V8 (Fastify wraps its counter at 2^31 - 1). */
const MAX_COUNTER = 2 ** 30
const REQ_ID = /^req-[0-9a-z]{1,6}$/

/** The compact form of `trace`. */
export function packTrace(trace: Trace | undefined): PackedTrace {
  if (trace === undefined) return undefined
  let only: string | undefined
  for (const key in trace) {
    if (only !== undefined) return trace
    only = key
  }
  const value = only === undefined ? undefined : trace[only]
  if (only === 'reqId' && typeof value === 'string' && REQ_ID.test(value)) {
    const counter = Number.parseInt(value.slice(4), 36)
    if (counter <= MAX_COUNTER && `req-${counter.toString(36)}` === value) return counter
  }
  if (only === 'eventId' && typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return -value
  return trace
}

/** The trace `packed` was made from (an equal object, not the same one). */
export function unpackTrace(packed: PackedTrace): Trace | undefined {
  if (typeof packed !== 'number') return packed
  return packed >= 0 ? { reqId: `req-${packed.toString(36)}` } : { eventId: -packed }
}
