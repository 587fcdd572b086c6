/** Checks the shape of a script's reply: Redis answers `unknown` as far as the type system knows. */
import { AppError } from '../../errors.js'

/** A script answered something it never returns: a bug or a foreign script under our name. */
export class RedisReplyError extends AppError {
  constructor(script: string) {
    super('REDIS_REPLY_INVALID', { message: `Unexpected reply from the Redis script ${script}` })
    this.name = 'RedisReplyError'
  }
}

/** The reply as an array of `length` integers, or a `RedisReplyError`. */
export function intsReply(reply: unknown, length: number, script: string): number[] {
  if (!Array.isArray(reply) || reply.length !== length) throw new RedisReplyError(script)
  const values: number[] = []
  for (const item of reply) {
    if (typeof item !== 'number' || !Number.isSafeInteger(item)) throw new RedisReplyError(script)
    values.push(item)
  }
  return values
}

/** The reply as one integer, or a `RedisReplyError`. */
export function intReply(reply: unknown, script: string): number {
  if (typeof reply !== 'number' || !Number.isSafeInteger(reply)) throw new RedisReplyError(script)
  return reply
}
