import type { OAuthTokens } from './oauth-tokens.js'
import type { RestErrorCode } from './rest-error.js'
import type { TlsMaterial } from './tls.js'

/** Parameters of one REST call after parsing (JSON body, form body or a batch command's query string). */
export type Params = Record<string, unknown>

/** A fixed latency in ms, or a function drawn once per request. */
export type Latency = number | (() => number)

/** Operating seconds charged per call: fixed, or computed from the method and its params. */
export type OperatingCost = number | ((method: string, params: Params) => number)

/**
 * How the portal treats `imbot.v2.*` commands inside `batch` (undocumented upstream, so every plausible refusal is
 * simulated): run them, refuse each with `ERROR_BATCH_METHOD_NOT_ALLOWED`, `ERROR_METHOD_NOT_FOUND` or
 * `ACCESS_DENIED` (the same command succeeds alone), or refuse the whole batch with 405.
 */
export type ImbotInBatch =
  | 'allowed'
  | 'per-command-error'
  | 'per-command-method-not-found'
  | 'per-command-access-denied'
  | 'reject-batch'

/** Options of `startPortal`. Limits default to the non-Enterprise cloud plan (burst 50, drain 2/s, 480 s/10 min). */
export interface PortalOptions {
  host?: string
  port?: number
  burst?: number
  drainPerSec?: number
  latencyMs?: Latency
  operatingLimitS?: number
  operatingCostS?: OperatingCost
  imbotInBatch?: ImbotInBatch
  webhookUserId?: number
  webhookSecret?: string
  /** REST revision reported by `imbot.v2.Revision.get`. */
  revision?: number
  /** Clock (ms) for the leaky bucket and the operating-time window; tests inject a fake one. */
  clock?: () => number
  /** Reuse a certificate instead of generating one. */
  tls?: TlsMaterial
  /** The OAuth grants to check tokens against: share an `OAuthServer`'s so that it serves this portal too. */
  oauthTokens?: OAuthTokens
}

/** The fault kinds `portal.inject` can serve. */
export type FaultKind = '500' | '502-html' | '503' | '429-operating' | 'slow' | 'drop' | 'drop-after' | 'refuse'

/** A fault to serve to the next `times` matching requests. */
export interface FaultSpec {
  kind: FaultKind
  times?: number
  /** Matches a direct call to this method, or a batch that contains it; omitted matches every REST request. */
  method?: string
  /** For `slow`: how long to wait before answering normally (default 1000 ms). */
  delayMs?: number
  /** For `refuse`: the documented error to answer with (default `ACCESS_DENIED`), e.g. `BOT_LIMIT_EXCEEDED`. */
  code?: RestErrorCode
}

/** One batch command as recorded. */
export interface RecordedCommand {
  key: string
  method: string
  params: Params
  errorCode?: string | undefined
}

/** One HTTP request the portal received, with its outcome. */
export interface RecordedRequest {
  /** REST method name as sent (`batch` for batches, `oauth/token` for refreshes). */
  method: string
  httpMethod: string
  path: string
  query: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
  body: unknown
  /** HTTP status sent; 0 when the socket was dropped. */
  status: number
  errorCode?: string | undefined
  fault?: FaultKind | undefined
  commands?: RecordedCommand[] | undefined
  /** Arrival time, ms since epoch. */
  at: number
}

/** One method invocation (a direct call or a batch command) and its outcome. */
export interface CallRecord {
  method: string
  params: Params
  via: 'direct' | 'batch'
  ok: boolean
  errorCode?: string | undefined
  at: number
}

/** A read that went below what had already been confirmed for that bot and dialog. */
export interface RegressionRecord {
  botId: number
  dialogId: string
  messageId: number
  confirmed: number
  at: number
}

/** Counters since start or the last `reset()`. */
export interface PortalStats {
  /** HTTP requests to `/rest/` that got an answer or were dropped by a fault. */
  requests: number
  /** Invocations per method: direct calls, batch commands, and `batch` itself. */
  byMethod: Record<string, number>
  batches: number
  /** Requests refused by the leaky bucket (503 QUERY_LIMIT_EXCEEDED). Injected 503s are not counted here. */
  rejected503: number
  /** Calls refused by the operating-time limit (429 OPERATION_TIME_LIMIT), batch commands included. */
  rejected429: number
  rejected401: number
  /** Faults served, by kind. */
  faults: Partial<Record<FaultKind, number>>
  /** Connections destroyed while the portal was down. */
  droppedConnections: number
  /** REST calls authorised with an access token granted for another portal. Must stay 0. */
  foreignTokens: number
  /** Successful bot reads: `imbot.v2.Chat.Message.read`, and `im.dialog.read` called with a bot's own token. */
  reads: number
  /** Successful `im.dialog.read` calls as a person (e.g. the webhook's user): their own conversation was marked. */
  humanDialogReads: number
  /** Successful reads that marked nothing new. */
  duplicateReads: number
  /** Successful reads with a messageId below one already confirmed for that bot and dialog. Must stay 0. */
  regressions: number
  /** Reads of a dialog that reached the portal while another read of it was still being handled. Must stay 0. */
  overlappingReads: number
  /** Current leaky-bucket counter and its peak. */
  bucketLevel: number
  peakBucketLevel: number
}

/** A bot as the portal stores it. */
export interface SimBot {
  id: number
  code: string
  botToken?: string | undefined
  clientId?: string | undefined
  eventMode: 'webhook' | 'fetch'
  webhookUrl?: string | undefined
  type: string
  name: string
  workPosition: string
  /** The synthetic `APPLICATION_TOKEN` sent as `auth.application_token` in this bot's webhooks. */
  applicationToken: string
  /** The callback token sent as `data.bot.auth.access_token`. */
  accessToken: string
  /** Sent as `data.bot.auth.refresh_token` when set (an OAuth grant was added for `accessToken`). */
  refreshToken?: string | undefined
}

/** What `portal.addBot` accepts. */
export interface AddBotSpec {
  id?: number
  code: string
  botToken?: string
  clientId?: string
  eventMode?: 'webhook' | 'fetch'
  webhookUrl?: string
  type?: string
  name?: string
  applicationToken?: string
}

/** What `portal.addOAuthToken` accepts. `expiresAt` is unix seconds. */
export interface OAuthTokenSpec {
  accessToken: string
  clientId: string
  expiresAt: number
  refreshToken?: string
  clientSecret?: string
  memberId?: string
  userId?: number
  scope?: string
  /** The install's `application_token`: bots the grant registers send it in their events. */
  applicationToken?: string
}

/** A queued fetch-mode event as `imbot.v2.Event.get` returns it. */
export interface QueuedEvent {
  eventId: number
  type: string
  date: string
  data: object
}
