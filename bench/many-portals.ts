/**
 * The many-portals rows of the replicas phase: one OAuth app installed on many simulated portals, each with
 * Bitrix24's standard budget (50 burst, 2/s, latency 50-150 ms) and its own limiter, read by 1 or by 3 replicas of
 * the built service on one `redis-server`: dialog reads per second from the first event posted to the last dialog
 * read. Every portal's budget covers its dialogs, so what bounds the figure is the replicas' CPU (and the host's).
 * Standalone: `npm run build && tsx bench/many-portals.ts [portals] [dialogs] [rounds]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateTlsMaterial, type Portal, startOAuthServer, startPortal } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import type { Child } from './processes.js'
import { startRedis } from './redis.js'
import { median } from './workload.js'
import { sleep, startService } from './world.js'

/** The app's credentials (bench only). */
const APP = {
  clientId: 'local.bench.app',
  clientSecret: 'bench-client-secret-1f2e3d',
  eventsSecret: 'bench-events-secret-9a8b7c',
  tokenKey: '5c1e0b9a8f7d6c5b4a3928170f6e5d4c3b2a19087f6e5d4c3b2a1908f7e6d5c4',
} as const
const CODE = 'autoread_bench'

/** Posts a form body to a replica's events URL; the HTTP status. */
async function postEvent(url: string, body: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  await res.arrayBuffer()
  return res.status
}

/** Waits until every portal's dialogs are read up to their message; the time, or NaN after `timeoutMs`. */
async function allRead(
  targets: ReadonlyArray<{ portal: Portal; botId: number; dialogId: string; messageId: number }>,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let from = 0
  while (Date.now() < deadline) {
    while (from < targets.length) {
      const t = targets[from]
      if (t === undefined || t.portal.readState(t.botId, t.dialogId).lastReadId < t.messageId) break
      from++
    }
    if (from === targets.length) return Date.now()
    await sleep(10)
  }
  return Number.NaN
}

/** `portals` OAuth portals with `dialogs` messages each (one per dialog), read by `replicas` replicas. */
export async function manyPortals(replicas: number, portalsCount: number, dialogs: number) {
  const tls = await generateTlsMaterial()
  const dir = mkdtempSync(join(tmpdir(), 'b24-bench-portals-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, tls.cert)
  const oauth = await startOAuthServer({ tls })
  const portals = await Promise.all(
    Array.from({ length: portalsCount }, () =>
      startPortal({
        tls,
        oauthTokens: oauth.tokens,
        burst: 50,
        drainPerSec: 2,
        latencyMs: () => 50 + Math.random() * 100,
      }),
    ),
  )
  const redis = await startRedis()
  const env = {
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    B24_CLIENT_ID: APP.clientId,
    B24_CLIENT_SECRET: APP.clientSecret,
    B24_EVENTS_SECRET: APP.eventsSecret,
    B24_TOKEN_KEY: APP.tokenKey,
    B24_OAUTH_SERVER_ENDPOINT: oauth.serverEndpoint,
    B24_CA_FILE: caFile,
    B24_PUBLIC_URL: 'https://autoread.example.com',
    B24_BOT_CODE: CODE,
    STATE_STORE: 'redis',
    REDIS_URL: redis.url,
  }
  const children: Child[] = []
  for (let i = 0; i < replicas; i++) children.push(await startService({}, env))
  const urls = children.map((c) => `${c.url}/bitrix24/events/${APP.eventsSecret}`)
  // Installed through the first replica; the others know each portal from its record in Redis.
  const bots = await Promise.all(
    portals.map(async (portal) => {
      const install = portal.installApp({ clientId: APP.clientId, clientSecret: APP.clientSecret })
      await portal.deliver(install.event, urls[0] ?? '')
      const bot = portal.findBot(CODE)
      if (bot === undefined) throw new Error('many-portals: the bot was not registered')
      return bot.id
    }),
  )
  const targets = portals.flatMap((portal, p) =>
    Array.from({ length: dialogs }, (_, d) => {
      const botId = bots[p] ?? 0
      const sent = portal.userSends({ botId, dialogId: `chat${d + 1}`, text: `bench ${p}/${d}` })
      return { portal, botId, dialogId: sent.dialogId, messageId: sent.messageId, body: phpHttpBuildQuery(sent.event) }
    }),
  )
  // Interleaved by portal, as many portals' users write at once; spread round-robin over the replicas.
  const order = [...targets.keys()].sort((a, b) => (a % dialogs) - (b % dialogs) || a - b)
  for (const p of portals) p.reset()
  const started = Date.now()
  let next = 0
  let refused = 0
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let i = next++; i < order.length; i = next++) {
        const t = targets[order[i] ?? 0]
        if (t === undefined) continue
        if ((await postEvent(urls[i % urls.length] ?? '', t.body)) !== 200) refused++
      }
    }),
  )
  const lastSent = Date.now()
  const done = await allRead(targets, 60_000)
  const stats = portals.map((p) => p.stats())
  for (const child of children) await child.stop()
  for (const portal of portals) await portal.close()
  await oauth.close()
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
  const seconds = (done - started) / 1000
  return {
    replicas,
    portals: portalsCount,
    dialogs: targets.length,
    refused,
    sendSeconds: (lastSent - started) / 1000,
    secondsToAllRead: Math.round(seconds * 100) / 100,
    dialogReadsPerSecond: Math.round(targets.length / seconds),
    restRequests: stats.reduce((n, s) => n + s.requests, 0),
    rateLimitRejections: stats.reduce((n, s) => n + s.rejected503 + s.rejected429, 0),
    regressions: stats.reduce((n, s) => n + s.regressions, 0),
    overlappingReads: stats.reduce((n, s) => n + s.overlappingReads, 0),
  }
}

/** Medians of `rounds` interleaved runs with 1 and with 3 replicas, and the ratio of 3 to 1 in the same run. */
export async function manyPortalsPhase(portals: number, dialogs: number, rounds: number) {
  const runs: Array<Awaited<ReturnType<typeof manyPortals>>> = []
  for (let r = 0; r < rounds; r++)
    for (const replicas of [1, 3]) runs.push(await manyPortals(replicas, portals, dialogs))
  const of = (replicas: number) => runs.filter((run) => run.replicas === replicas)
  const summary = (replicas: number) => ({
    replicas,
    portals,
    dialogs: portals * dialogs,
    medianDialogReadsPerSecond: median(of(replicas).map((run) => run.dialogReadsPerSecond)),
    medianSecondsToAllRead: median(of(replicas).map((run) => run.secondsToAllRead)),
    rateLimitRejections: of(replicas).reduce((n, run) => n + run.rateLimitRejections, 0),
    regressions: of(replicas).reduce((n, run) => n + run.regressions, 0),
    overlappingReads: of(replicas).reduce((n, run) => n + run.overlappingReads, 0),
    refused: of(replicas).reduce((n, run) => n + run.refused, 0),
  })
  const one = summary(1)
  const three = summary(3)
  const ratio = Math.round((three.medianDialogReadsPerSecond / one.medianDialogReadsPerSecond) * 100) / 100
  return { rounds, one, three, threeOverOne: ratio, runs }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const portals = Number(process.argv[2] ?? 30)
  const dialogs = Number(process.argv[3] ?? 40)
  const rounds = Number(process.argv[4] ?? 3)
  process.stdout.write(`${JSON.stringify(await manyPortalsPhase(portals, dialogs, rounds), null, 2)}\n`)
}
