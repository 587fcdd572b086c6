/**
 * Opens `STATE_STORE=redis` for the process entry: connection errors are logged (at most one line per outage, the
 * URL never), and a Redis unreachable at start stops the start with a message naming `REDIS_URL`.
 */
import type { Logger } from 'pino'
import { AppError } from '../errors.js'
import { RedisStore } from './redis-store.js'

/** The settings `openRedisStore` reads from the config. */
export interface RedisStoreSettings {
  readonly redisUrl: string | undefined
  readonly redisKeyPrefix: string
  /** Event keys remembered for dedupe. */
  readonly seenCapacity: number
}

/** The password (or user token) inside a Redis URL, to register with the log scrubber; undefined when none. */
export function redisPasswordOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const password = new URL(url).password
    return password === '' ? undefined : decodeURIComponent(password)
  } catch {
    return undefined
  }
}

/** Connects to Redis and loads the store; throws `AppError('REDIS_UNREACHABLE')` when Redis does not answer. */
export async function openRedisStore(settings: RedisStoreSettings, log: Logger): Promise<RedisStore> {
  let outage = false
  let lastError: Error | undefined
  const onError = (err: Error): void => {
    lastError = err
  }
  const onLost = (): void => {
    if (outage || !store?.isOpen()) return
    outage = true
    log.error({ err: lastError }, 'Redis connection lost; reconnecting (events are refused with 503 meanwhile)')
  }
  let store: RedisStore | undefined
  try {
    store = await RedisStore.open({
      url: settings.redisUrl ?? '',
      prefix: settings.redisKeyPrefix,
      seenCapacity: settings.seenCapacity,
      onError,
    })
    store.client.on('close', onLost)
    store.client.on('ready', () => {
      if (outage) log.info('Redis connection restored')
      outage = false
      lastError = undefined
    })
    return store
  } catch (err) {
    throw new AppError('REDIS_UNREACHABLE', { cause: err })
  }
}
