/**
 * The port through which the service talks to Bitrix24. `portOf` in `b24-adapter.ts` implements it with the SDK (for
 * webhook and OAuth clients alike), `instrument-port.ts` and `false-means-denied.ts` wrap it, and unit tests pass an
 * in-memory fake. Implementations never throw for portal or transport errors: they resolve
 * with `{ ok: false, error }` whose fields are safe to log (no params, no tokens, no URLs).
 */

/** One REST call: the method name and its JSON params. */
export interface RestCall {
  readonly method: string
  readonly params: Readonly<Record<string, unknown>>
}

/** A portal or transport error, reduced to fields that are safe to log. `status` is 0 for transport errors. */
export interface RestError {
  readonly code: string
  readonly status: number
  readonly message: string
}

/** The `time` block of a Bitrix24 answer that the limiter reads (`operating` seconds, reset as unix seconds). */
export interface RestTime {
  readonly operating?: number
  readonly operatingResetAt?: number
}

/** Outcome of one call. */
export type RestOutcome<T = unknown> =
  | { readonly ok: true; readonly result: T; readonly time: RestTime }
  | { readonly ok: false; readonly error: RestError; readonly time?: RestTime }

/** Outcome of a `batch` request: the request itself may fail, or each command has its own outcome. */
export type BatchOutcome =
  | { readonly ok: true; readonly results: ReadonlyMap<string, RestOutcome> }
  | { readonly ok: false; readonly error: RestError }

/** What the service needs from a Bitrix24 portal. */
export interface BitrixPort {
  /** A short, secret-free name of the portal for logs and metrics (its host). */
  readonly portal: string
  /** Calls one method once (no hidden retries). */
  call<T = unknown>(call: RestCall): Promise<RestOutcome<T>>
  /** Sends up to 50 commands in one `batch` request with `halt=0`. */
  batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome>
}
