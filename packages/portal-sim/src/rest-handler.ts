import type { IncomingMessage, ServerResponse } from 'node:http'
import qs from 'qs'
import { type AuthConfig, authenticate, type RestRoute } from './auth.js'
import { parseBatchCommands, runBatch } from './batch.js'
import type { AuthContext } from './context.js'
import { bump } from './counters.js'
import { type Engine, executeCall } from './engine.js'
import type { FaultQueue } from './faults.js'
import { parseBody, readBody, sendHtml, sendJson, sleep } from './http-io.js'
import type { LeakyBucket } from './leaky-bucket.js'
import { dialogsRead, type ReadOverlap } from './read-overlap.js'
import { RestError } from './rest-error.js'
import { timeBlock } from './time-block.js'
import type { ImbotInBatch, Latency, Params, RecordedCommand, RecordedRequest } from './types.js'

/** What the REST handler works with. */
export interface RestDeps {
  engine: Engine
  authConfig: AuthConfig
  bucket: LeakyBucket
  faults: FaultQueue
  latency: Latency
  imbotInBatch: ImbotInBatch
  requests: RecordedRequest[]
  /** Counts reads of a dialog that overlap another read of it. */
  overlap: ReadOverlap
}

const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'

/**
 * Handles one `/rest/...` request in the order a real portal would meet it: latency, injected faults,
 * authentication (401), the leaky bucket (503), then the method or batch (with its operating-time check, 429).
 */
export async function handleRest(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  route: RestRoute,
): Promise<void> {
  const record: RecordedRequest = {
    method: route.method,
    httpMethod: req.method ?? 'POST',
    path: url.pathname,
    query: qs.parse(url.search.slice(1), { depth: 10, parseArrays: false }),
    headers: { ...req.headers },
    body: undefined,
    status: 0,
    at: Date.now(),
  }
  deps.requests.push(record)
  deps.engine.counters.requests += 1
  const answer = (status: number, body: unknown): void => {
    record.status = status
    const error = (body as { error?: unknown } | null)?.error
    record.errorCode = typeof error === 'string' ? error : undefined
    sendJson(res, status, body)
  }
  const answerError = (error: RestError): void => answer(error.status, error.toBody())

  let body: Params
  try {
    body = parseBody(await readBody(req), req.headers['content-type'])
  } catch (error) {
    if (error instanceof RestError) return answerError(error)
    throw error
  }
  record.body = body
  res.once('close', deps.overlap.enter(dialogsRead(route.method, body)))
  await sleep(typeof deps.latency === 'function' ? deps.latency() : deps.latency)

  const isBatch = route.method.toLowerCase() === 'batch'
  const methods = isBatch ? ['batch', ...parseBatchCommands(body.cmd).map((c) => c.method)] : [route.method]
  const fault = deps.faults.take(methods)
  if (fault) {
    record.fault = fault.kind
    bump(deps.engine.counters.faults, fault.kind)
    switch (fault.kind) {
      case '500':
        return answerError(new RestError('INTERNAL_SERVER_ERROR'))
      case '503':
        return answerError(new RestError('QUERY_LIMIT_EXCEEDED'))
      case '429-operating':
        return answerError(new RestError('OPERATION_TIME_LIMIT'))
      case 'refuse':
        return answerError(new RestError(fault.code))
      case '502-html':
        record.status = 502
        return sendHtml(res, 502, BAD_GATEWAY_HTML)
      case 'drop':
        req.socket.destroy()
        return
      case 'slow':
        await sleep(fault.delayMs)
        break
      case 'drop-after':
        break
    }
  }

  const { auth: authParam, ...params } = { ...withoutTelemetry(record.query), ...body }
  let auth: AuthContext
  try {
    auth = authenticate(route, authParam, deps.authConfig)
  } catch (error) {
    if (!(error instanceof RestError)) throw error
    deps.engine.counters.rejected401 += 1
    return answerError(error)
  }
  if (!deps.bucket.tryTake()) {
    deps.engine.counters.rejected503 += 1
    return answerError(new RestError('QUERY_LIMIT_EXCEEDED'))
  }

  const startMs = Date.now()
  let status: number
  let payload: unknown
  if (isBatch) {
    deps.engine.counters.batches += 1
    bump(deps.engine.counters.byMethod, 'batch')
    const commands: RecordedCommand[] = []
    record.commands = commands
    try {
      const result = runBatch(deps.engine, auth, params, deps.imbotInBatch, commands)
      status = 200
      payload = { result, time: timeBlock(startMs, Date.now(), deps.engine.operating.snapshot('batch')) }
    } catch (error) {
      if (!(error instanceof RestError)) throw error
      status = error.status
      payload = error.toBody()
    }
  } else {
    const outcome = executeCall(deps.engine, auth, route.method, params, 'direct')
    status = outcome.ok ? 200 : outcome.error.status
    payload = outcome.ok ? { result: outcome.result, time: outcome.time } : outcome.error.toBody()
  }
  if (fault?.kind === 'drop-after') {
    req.socket.destroy()
    return
  }
  answer(status, payload)
}

function withoutTelemetry(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([key]) => !key.startsWith('bx24_')))
}
