/**
 * The webhook side of the SDK adapter: implements `BitrixPort` with `B24Hook` and `actions.v2`; `portOf` serves the
 * OAuth side (`b24-oauth-adapter.ts`) too. Only the files of `bitrix/` import `@bitrix24/b24jssdk`.
 * The SDK's own limiter is set explicitly (full nested objects, never NaN) to stay out of the way of the
 * service's portal gate, and `maxRetries: 1` so the SDK never replays a call on its own.
 */
import https from 'node:https'
import { createSecureContext, rootCertificates } from 'node:tls'
import {
  type AjaxResult,
  ApiVersion,
  B24Hook,
  ParamsFactory,
  type RestrictionParams,
  type TypeB24,
} from '@bitrix24/b24jssdk'
import type { Logger } from 'pino'
import type { BatchOutcome, BitrixPort, RestCall, RestError, RestOutcome, RestTime } from './port.js'
import { sdkLogger } from './sdk-logger.js'

/** Settings for the SDK-backed port. */
export interface B24PortOptions {
  /** Incoming webhook `https://portal/rest/<userId>/<secret>/`. */
  readonly webhookUrl: string
  /** Extra CA certificates (PEM) to trust besides Node's roots, e.g. a self-hosted portal's or the simulator's. */
  readonly ca?: string
  readonly timeoutMs: number
  readonly log: Logger
}

/**
 * SDK restrictions: its bucket is set far above the portal's (the gate enforces the real one, and a second
 * bucket would double-count), adaptive slow-downs and the operating limiter are off for the same reason,
 * and `maxRetries: 1` means exactly one attempt per call.
 */
export function sdkRestrictions(): RestrictionParams {
  const base = ParamsFactory.getDefault()
  const params: RestrictionParams = {
    ...base,
    rateLimit: { burstLimit: 1_000_000, drainRate: 1_000_000, adaptiveEnabled: false },
    operatingLimit: { windowMs: 600_000, limitMs: Number.MAX_SAFE_INTEGER, heavyPercent: 100 },
    adaptiveConfig: { enabled: false, thresholdPercent: 100, coefficient: 0, maxDelay: 0 },
    maxRetries: 1,
    retryDelay: 0,
    retryOnNetworkError: false,
  }
  const rate = params.rateLimit
  if (!rate || !Number.isFinite(rate.burstLimit) || !Number.isFinite(rate.drainRate)) {
    throw new Error('SDK rate limit settings are incomplete: refusing to run with a silently disabled limiter')
  }
  return params
}

/** Creates the port for an incoming-webhook portal. */
export function createWebhookPort(options: B24PortOptions): BitrixPort {
  const b24 = B24Hook.fromWebhookUrl(options.webhookUrl, { restrictionParams: sdkRestrictions() })
  configureClient(b24, options)
  return portOf(b24, new URL(options.webhookUrl).host)
}

const agents = new Map<string, https.Agent>()

/**
 * One keep-alive agent per trust store. With extra CAs, the TLS context (Node's roots plus them) is built once here:
 * passing `ca` instead would parse every root certificate again on each new connection.
 */
export function httpsAgent(ca: string | undefined): https.Agent {
  const key = ca ?? ''
  let agent = agents.get(key)
  if (agent === undefined) {
    agent = new https.Agent({
      keepAlive: true,
      maxSockets: 64,
      ...(ca ? { secureContext: createSecureContext({ ca: [...rootCertificates, ca] }) } : {}),
    })
    agents.set(key, agent)
  }
  return agent
}

/** Applies timeouts, the TLS trust store and the logger to an SDK client. */
export function configureClient(b24: TypeB24, options: Pick<B24PortOptions, 'ca' | 'timeoutMs' | 'log'>): void {
  const agent = httpsAgent(options.ca)
  for (const version of [ApiVersion.v2, ApiVersion.v3]) {
    const axios = b24.getHttpClient(version).ajaxClient
    axios.defaults.timeout = options.timeoutMs
    axios.defaults.httpsAgent = agent
  }
  // At error: the SDK warns "http all retry attempts exhausted" on every failed call, which the read scheduler
  // already logs with the event's ids (warn for the first attempts, then debug).
  // Never more verbose than the service itself (LOG_LEVEL=silent or fatal silences the SDK too).
  const level = options.log.levelVal > (options.log.levels.values.error ?? 50) ? options.log.level : 'error'
  b24.setLogger(sdkLogger(options.log.child({ mod: 'b24jssdk' }, { level })))
}

/** Wraps an SDK client as a `BitrixPort`. */
export function portOf(b24: TypeB24, portal: string): BitrixPort {
  return {
    portal,
    async call<T>(call: RestCall): Promise<RestOutcome<T>> {
      try {
        const res: AjaxResult<T> = await b24.actions.v2.call.make<T>({
          method: call.method,
          params: { ...call.params },
        })
        return outcomeOf<T>(res)
      } catch (err) {
        return { ok: false, error: restErrorOf(err) }
      }
    },
    async batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome> {
      const named: Record<string, { method: string; params: Record<string, unknown> }> = {}
      for (const [key, call] of calls) named[key] = { method: call.method, params: { ...call.params } }
      try {
        const res = await b24.actions.v2.batch.make({
          calls: named,
          options: { isHaltOnError: false, returnAjaxResult: true },
        })
        const data: unknown = res.getData()
        if (typeof data !== 'object' || data === null || Object.keys(data).length === 0) {
          const first = res.getErrors().next().value
          return { ok: false, error: first ? restErrorOf(first) : unexpected('Empty batch answer') }
        }
        const results = new Map<string, RestOutcome>()
        for (const [key, value] of Object.entries(data)) {
          results.set(key, isAjaxResult(value) ? outcomeOf(value) : { ok: false, error: unexpected('Bad batch item') })
        }
        return { ok: true, results }
      } catch (err) {
        return { ok: false, error: restErrorOf(err) }
      }
    },
  }
}

function isAjaxResult(value: unknown): value is AjaxResult {
  return typeof value === 'object' && value !== null && 'isSuccess' in value && 'getData' in value
}

function outcomeOf<T>(res: AjaxResult<T>): RestOutcome<T> {
  const payload = res.isSuccess ? res.getData() : undefined
  if (payload === undefined) {
    const first = res.getErrors().next().value
    return { ok: false, error: first ? restErrorOf(first) : unexpected('Answer without result') }
  }
  return { ok: true, result: payload.result as T, time: timeOf(payload.time) }
}

function timeOf(time: unknown): RestTime {
  if (typeof time !== 'object' || time === null) return {}
  const t = time as Record<string, unknown>
  return {
    ...(typeof t.operating === 'number' ? { operating: t.operating } : {}),
    ...(typeof t.operating_reset_at === 'number' ? { operatingResetAt: t.operating_reset_at } : {}),
  }
}

/** Reduces any SDK or transport error to `{ code, status, message }`; never the params, URL or raw axios error. */
export function restErrorOf(err: unknown): RestError {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; status?: unknown; message?: unknown }
    const code = typeof e.code === 'string' && e.code !== '' ? e.code : 'UNKNOWN_ERROR'
    const status = typeof e.status === 'number' ? e.status : 0
    const message = typeof e.message === 'string' ? e.message.slice(0, 300) : ''
    return { code, status, message }
  }
  return { code: 'UNKNOWN_ERROR', status: 0, message: String(err).slice(0, 300) }
}

function unexpected(message: string): RestError {
  return { code: 'ERROR_UNEXPECTED_ANSWER', status: 500, message }
}
