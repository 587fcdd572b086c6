/**
 * Dedupe key and pending read in one atomic step: when the same event reaches two replicas at the same moment,
 * exactly one of them sees it as new, and the read it owes is stored before either answers 200.
 */
import type { Redis, Result } from 'ioredis'
import { type DialogRef, dialogField, type RedisKeys } from './keys.js'
import { intsReply } from './reply.js'
import type { ScriptDef } from './script.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    b24RecordEvent(
      seen: string,
      seenSeq: string,
      pending: string,
      confirmed: string,
      eventKey: string,
      capacity: number,
      field: string,
      messageId: number,
    ): Result<unknown, Context>
  }
}

/**
 * KEYS: seen, seenSeq, pending, confirmed. ARGV: event key, capacity, dialog field ('' for none), message id.
 * A known key is moved to the newest place (as the other stores do) and answers {0, 0}. A new one raises the
 * pending watermark unless the dialog is already confirmed at or past it, and answers {1, owed}. Keys beyond
 * the capacity are trimmed oldest first in steps of 10%, so most calls do not pay for it.
 */
const record: ScriptDef = {
  name: 'b24RecordEvent',
  numberOfKeys: 4,
  lua: `
local seq = redis.call('INCR', KEYS[2])
if redis.call('ZADD', KEYS[1], seq, ARGV[1]) == 0 then return {0, 0} end
local cap = tonumber(ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
if n > cap * 1.1 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - cap - 1) end
if ARGV[3] == '' then return {1, 0} end
local id = tonumber(ARGV[4])
if id <= (tonumber(redis.call('HGET', KEYS[4], ARGV[3])) or 0) then return {1, 0} end
if id > (tonumber(redis.call('HGET', KEYS[3], ARGV[3])) or 0) then redis.call('HSET', KEYS[3], ARGV[3], ARGV[4]) end
return {1, 1}`,
}

/** The scripts of this file, for `defineScripts`. */
export const eventOnceScripts: readonly ScriptDef[] = [record]

/** What recording an event found. */
export interface EventRecord {
  /** False when the key was seen before (a duplicate: run no handler, store nothing). */
  readonly isNew: boolean
  /** True when a read is owed for the message (its pending watermark is stored); false when none was asked or it is confirmed. */
  readonly readOwed: boolean
}

/** The message whose read a new event owes. */
export interface OwedRead extends DialogRef {
  readonly messageId: number
}

/**
 * Records `eventKey` as seen and, when it is new and `read` is given, raises that dialog's pending watermark, in
 * one atomic script. Resolves once Redis has applied both (and, with `appendfsync always`, written them).
 */
export async function recordEventOnce(
  redis: Redis,
  keys: RedisKeys,
  eventKey: string,
  capacity: number,
  read?: OwedRead,
): Promise<EventRecord> {
  const reply = await redis.b24RecordEvent(
    keys.seen,
    keys.seenSeq,
    keys.pending,
    keys.confirmed,
    eventKey,
    capacity,
    read === undefined ? '' : dialogField(read),
    read?.messageId ?? 0,
  )
  const [isNew, owed] = intsReply(reply, 2, record.name)
  return { isNew: isNew === 1, readOwed: owed === 1 }
}
