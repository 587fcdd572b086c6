/**
 * The replicas phase of `npm run bench`: the same burst drained by 1 and by 3 replicas of the built service on one
 * `redis-server` (from the PATH, on a free port with a temporary directory) against one simulated portal with its
 * real limits, dialog reads/s of many OAuth portals by 1 and by 3 replicas (`many-portals.ts`), and intake events/s
 * of one replica on Redis. Standalone: `npm run build && tsx bench/replicas.ts`.
 */
import { manyPortalsPhase } from './many-portals.js'
import type { Child } from './processes.js'
import { startRedis } from './redis.js'
import { lastIds, mintMessages } from './workload.js'
import { cannon, post, startService, startWorld, stopWorld, waitAllRead } from './world.js'

const QUICK = process.env.BENCH_QUICK === '1'

/** Drains one burst with `count` replicas; the portal is Bitrix24's standard plan (50 burst, 2/s). */
async function drain(replicas: number, messagesCount: number) {
  const redis = await startRedis()
  const env = { LOG_LEVEL: 'warn', STATE_STORE: 'redis', REDIS_URL: redis.url }
  const world = await startWorld(
    'replicas',
    { latencyMs: () => 50 + Math.random() * 100, burst: 50, drainPerSec: 2 },
    env,
  )
  const children: Child[] = [world.service]
  for (let i = 1; i < replicas; i++) children.push(await startService(world.env, env))
  const messages = mintMessages(world.portal, world.botId, messagesCount, 200)
  const last = lastIds(messages)
  const started = Date.now()
  let next = 0
  let refused = 0
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let i = next++; i < messages.length; i = next++) {
        const child = children[i % children.length]
        if ((await post(`${child?.url}`, messages[i]?.body ?? '')) !== 200) refused++
      }
    }),
  )
  const lastSent = Date.now()
  const allRead = await waitAllRead(world.portal, world.botId, last, 120_000)
  const stats = world.portal.stats()
  for (const child of children.slice(1)) await child.stop()
  await stopWorld(world)
  await redis.stop()
  return {
    replicas,
    messages: messagesCount,
    dialogs: last.size,
    refused,
    sendSeconds: (lastSent - started) / 1000,
    secondsFromLastMessageToAllRead: Math.round(((allRead - lastSent) / 1000) * 100) / 100,
    restRequests: stats.requests,
    rateLimitRejections: stats.rejected503 + stats.rejected429,
    peakBucketLevel: Math.round(stats.peakBucketLevel * 100) / 100,
    regressions: stats.regressions,
    overlappingReads: stats.overlappingReads,
  }
}

/** Intake events/s of one replica on Redis (50 connections, ~1 KB bodies), to set beside the LMDB figure. */
async function intake() {
  const redis = await startRedis()
  const world = await startWorld(
    'redis-intake',
    { latencyMs: 80 },
    { LOG_LEVEL: 'warn', STATE_STORE: 'redis', REDIS_URL: redis.url },
  )
  const seconds = QUICK ? 2 : 5
  const bodies = mintMessages(world.portal, world.botId, QUICK ? 30_000 : 60_000, 200).map((m) => m.body)
  const result = await cannon(world.service.url, bodies, { connections: 50, duration: seconds })
  await stopWorld(world)
  await redis.stop()
  return {
    store: 'redis (appendfsync always)',
    seconds,
    serviceRps: Math.round(result.requests.average),
    serviceP99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  }
}

/** The whole replicas phase. */
export async function replicasPhase() {
  const count = QUICK ? 2_000 : 10_000
  const one = await drain(1, count)
  const three = await drain(3, count)
  const manyPortals = await manyPortalsPhase(QUICK ? 10 : 30, 40, QUICK ? 1 : 3)
  return { burst: [one, three], manyPortals, intake: await intake() }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await replicasPhase()
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
}
