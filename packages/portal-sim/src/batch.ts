import qs from 'qs'
import type { AuthContext } from './context.js'
import { type Engine, executeCall, refuseCall } from './engine.js'
import { boolParam, objectParam } from './params.js'
import { fail, RestError, type RestErrorCode } from './rest-error.js'
import type { ImbotInBatch, Params, RecordedCommand } from './types.js'

const MAX_COMMANDS = 50

/** One parsed batch command. */
export interface BatchCommand {
  key: string
  method: string
  params: Params
}

/** The `result` of a `batch` answer, in the PHP-array JSON shapes Bitrix24 uses (`[]` when empty). */
export interface BatchResult {
  result: unknown
  result_error: unknown
  result_total: unknown
  result_next: unknown
  result_time: unknown
}

/** Parses `cmd` (an object or a list of `"method?query"` strings); command params are parsed with qs. */
export function parseBatchCommands(cmd: unknown): BatchCommand[] {
  const entries = Array.isArray(cmd)
    ? cmd.map((v, i) => [String(i), v] as const)
    : Object.entries(objectParam(cmd) ?? {})
  return entries.map(([key, row]) => {
    const text = typeof row === 'string' ? row : ''
    const q = text.indexOf('?')
    const method = q === -1 ? text : text.slice(0, q)
    const query = q === -1 ? '' : text.slice(q + 1)
    const params: Params = qs.parse(query, { depth: 10, parameterLimit: 10_000, parseArrays: false })
    delete params.auth
    return { key, method, params }
  })
}

/** PHP `json_encode` of an array: a list when keys are exactly 0..n-1 in order, else an object, `[]` when empty. */
function phpArray(entries: Array<[string, unknown]>): unknown {
  if (entries.every(([key], i) => key === String(i))) return entries.map(([, value]) => value)
  return Object.fromEntries(entries)
}

const isImbot = (method: string): boolean => method.toLowerCase().startsWith('imbot.v2.')

/** The error each `imbot.v2` command of a batch gets under a per-command refusal mode. */
const PER_COMMAND_REFUSAL: Readonly<Partial<Record<ImbotInBatch, RestErrorCode>>> = {
  'per-command-error': 'ERROR_BATCH_METHOD_NOT_ALLOWED',
  'per-command-method-not-found': 'ERROR_METHOD_NOT_FOUND',
  'per-command-access-denied': 'ACCESS_DENIED',
}

/**
 * Runs `batch {halt, cmd}` (`settings/how-to-call-rest-api/batch.md`): up to 50 commands, in order, each counted
 * toward its own method's operating time; `halt` stops at the first error; nested `batch` is refused per command.
 */
export function runBatch(
  engine: Engine,
  auth: AuthContext,
  params: Params,
  imbotInBatch: ImbotInBatch,
  recorded: RecordedCommand[],
): BatchResult {
  const commands = parseBatchCommands(params.cmd)
  if (commands.length > MAX_COMMANDS) fail('ERROR_BATCH_LENGTH_EXCEEDED')
  if (imbotInBatch === 'reject-batch' && commands.some((c) => isImbot(c.method))) {
    fail('ERROR_BATCH_METHOD_NOT_ALLOWED')
  }
  const halt = boolParam(params.halt) ?? false
  const results: Array<[string, unknown]> = []
  const errors: Array<[string, unknown]> = []
  const times: Array<[string, unknown]> = []
  const perCommand = PER_COMMAND_REFUSAL[imbotInBatch]
  for (const command of commands) {
    const refusal =
      command.method.toLowerCase() === 'batch'
        ? 'ERROR_BATCH_METHOD_NOT_ALLOWED'
        : perCommand !== undefined && isImbot(command.method)
          ? perCommand
          : undefined
    const outcome = refusal
      ? refuseCall(engine, command.method, command.params, 'batch', new RestError(refusal))
      : executeCall(engine, auth, command.method, command.params, 'batch')
    if (outcome.ok) {
      results.push([command.key, outcome.result])
      times.push([command.key, outcome.time])
      recorded.push({ ...command, errorCode: undefined })
      continue
    }
    errors.push([command.key, { error: outcome.error.code, error_description: outcome.error.message }])
    recorded.push({ ...command, errorCode: outcome.error.code })
    if (halt) break
  }
  return {
    result: phpArray(results),
    result_error: phpArray(errors),
    result_total: [],
    result_next: [],
    result_time: phpArray(times),
  }
}
