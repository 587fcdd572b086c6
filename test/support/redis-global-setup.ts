/** Vitest global setup: says once per run, in one line, that the Redis suites are skipped and how to enable them. */
import { REDIS_INSTALL_HINT, redisServerBinary } from './redis-server.js'

/** Prints the skip line when there is no `redis-server` on the PATH. */
export default function setup(): void {
  if (redisServerBinary === undefined) process.stderr.write(`Redis tests skipped: ${REDIS_INSTALL_HINT}\n`)
}
