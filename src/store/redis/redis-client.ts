/**
 * The one place that builds a Redis client. The client is ioredis: pure JavaScript (no native build), TLS and
 * passwords through the URL (`rediss://user:pass@host:port/db`), reconnects by itself, EVALSHA with an EVAL
 * fallback for the scripts, and an offline queue we switch off so that a command issued while Redis is away
 * fails at once (the caller answers 503) instead of hanging until a reconnect.
 * @see https://github.com/redis/ioredis#readme
 */
import { rootCertificates } from 'node:tls'
import { Redis } from 'ioredis'
import { defineScripts } from './define-scripts.js'

/** How to reach Redis and how long to wait for it. */
export interface RedisClientOptions {
  /** `redis://` or `rediss://` (TLS) URL; user, password and database number ride in it. */
  readonly url: string
  /** Reported for every connection error (the client keeps reconnecting); never receives the URL. */
  readonly onError: (err: Error) => void
  /** A command unanswered for this long rejects (default 5 s). */
  readonly commandTimeoutMs?: number
  /** Opening the connection gives up after this long (default 5 s). */
  readonly connectTimeoutMs?: number
  /** PEM certificates to trust for a `rediss://` server besides Node's default roots (verification stays on). */
  readonly ca?: string
}

/** The longest pause between reconnect attempts. */
const MAX_RECONNECT_DELAY_MS = 2_000

/** Connects (resolves once Redis answers) with every script defined; rejects when Redis cannot be reached. */
export async function createRedisClient(options: RedisClientOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    connectionName: 'b24-autoread',
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
    ...(options.ca !== undefined && options.url.startsWith('rediss:')
      ? { tls: { ca: [...rootCertificates, options.ca] } }
      : {}),
  })
  // `connect()` rejects with a bare "Connection is closed"; the reason (refused, certificate, password) comes
  // through the error event, so the first one is what the caller gets.
  let reason: unknown
  const onFirstError = (err: Error): void => {
    reason ??= err
  }
  redis.on('error', onFirstError)
  redis.on('error', options.onError)
  defineScripts(redis)
  try {
    await redis.connect()
  } catch (err) {
    redis.disconnect()
    throw reason ?? err
  } finally {
    redis.off('error', onFirstError)
  }
  return redis
}
