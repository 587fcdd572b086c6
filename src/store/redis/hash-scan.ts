/** Reading the shared hashes back: in pages (HSCAN), and parsing their `bot|dialog` fields without trusting them. */
import type { Redis } from 'ioredis'

/** A dialog's watermark read back from a hash (the same shape as the store port's `DialogMark`). */
export interface FieldMark {
  readonly portal?: string
  readonly botId: number
  readonly dialogId: string
  readonly messageId: number
}

const FIELD = /^(\d{1,16})\|(.+)$/s
/** `portal|bot|dialog`: an OAuth portal's `member_id` never contains `|`, nor does a dialog id. */
const SCOPED = /^([^|]+)\|(\d{1,16})\|([^|]+)$/s

/** The watermark a `bot|dialog` or `portal|bot|dialog` field holds, undefined for a foreign or damaged entry. */
export function markOf(field: string, value: string): FieldMark | undefined {
  const messageId = Number(value)
  if (!Number.isSafeInteger(messageId) || messageId <= 0) return undefined
  const scoped = SCOPED.exec(field)
  if (scoped?.[1] !== undefined && scoped[2] !== undefined && scoped[3] !== undefined) {
    return { portal: scoped[1], botId: Number(scoped[2]), dialogId: scoped[3], messageId }
  }
  const match = FIELD.exec(field)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
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

/** Deletes a portal's install record and every pending and confirmed watermark scoped by it. */
export async function removeScoped(
  redis: Redis,
  keys: { readonly tenants: string; readonly pending: string; readonly confirmed: string },
  memberId: string,
): Promise<void> {
  await redis.hdel(keys.tenants, memberId)
  for (const hash of [keys.pending, keys.confirmed]) {
    const fields = (await scanHash(redis, hash)).map(([field]) => field).filter((f) => f.startsWith(`${memberId}|`))
    if (fields.length > 0) await redis.hdel(hash, ...fields)
  }
}
