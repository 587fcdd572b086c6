/** Reading the shared hashes back: in pages (HSCAN), and parsing their `bot|dialog` fields without trusting them. */
import type { Redis } from 'ioredis'

/** A dialog's watermark read back from a hash (the same shape as the store port's `DialogMark`). */
export interface FieldMark {
  readonly botId: number
  readonly dialogId: string
  readonly messageId: number
}

const FIELD = /^(\d{1,16})\|(.+)$/s

/** The watermark a `bot|dialog` field holds, undefined for a foreign or damaged entry. */
export function markOf(field: string, value: string): FieldMark | undefined {
  const match = FIELD.exec(field)
  const messageId = Number(value)
  if (match?.[1] === undefined || match[2] === undefined || !Number.isSafeInteger(messageId) || messageId <= 0) {
    return undefined
  }
  return { botId: Number(match[1]), dialogId: match[2], messageId }
}

/** Every field of a hash, read in pages so a large hash never blocks the server in one reply. */
export async function scanHash(redis: Redis, key: string): Promise<Array<[string, string]>> {
  const entries: Array<[string, string]> = []
  let cursor = '0'
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 1000)
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i]
      const value = flat[i + 1]
      if (field !== undefined && value !== undefined) entries.push([field, value])
    }
    cursor = next
  } while (cursor !== '0')
  return entries
}
