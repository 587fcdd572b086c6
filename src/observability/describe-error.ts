/**
 * The one shape of a logged error, registered as pino's `err` serializer (see `logger.ts`): log `{ err }` with the
 * thrown value itself. Only the name, the stable code, the message (cut short) and the causes' same three fields
 * are kept: never params, URLs, response bodies or stacks, which can carry tokens.
 */

/** A logged error. */
export interface DescribedError {
  readonly type: string
  readonly code?: string
  readonly message: string
  readonly cause?: DescribedError
}

/** Longest message kept; SDK and transport messages can quote whole answers. */
const MAX_MESSAGE = 300
/** Causes followed at most. */
const MAX_CAUSES = 3

/** Turns any thrown value into fields that are safe to log; an already described error passes through. */
export function describeError(err: unknown): DescribedError {
  return describe(err, MAX_CAUSES)
}

function describe(err: unknown, causes: number): DescribedError {
  if (typeof err !== 'object' || err === null) return { type: typeof err, message: String(err).slice(0, MAX_MESSAGE) }
  const type = err instanceof Error ? err.name : stringField(err, 'type')
  const code = stringField(err, 'code')
  const message = err instanceof Error ? err.message : stringField(err, 'message')
  const rawCause: unknown = Reflect.get(err, 'cause')
  const cause = rawCause !== undefined && causes > 0 ? describe(rawCause, causes - 1) : undefined
  return {
    type: type ?? 'object',
    ...(code !== undefined ? { code } : {}),
    message: (message ?? '').slice(0, MAX_MESSAGE),
    ...(cause !== undefined ? { cause } : {}),
  }
}

function stringField(value: object, key: string): string | undefined {
  const field: unknown = Reflect.get(value, key)
  return typeof field === 'string' ? field : undefined
}
