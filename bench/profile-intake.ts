/**
 * Profiles the intake (issue 13): the built service with the memory store beside the bare Fastify route, on the
 * ~1 KB body the bench uses and on a full ~2.6 KB body as the portal sends it. First alternating unprofiled rounds
 * (events/s, p50/p99 at 50 connections, medians), then one run per body under `node --cpu-prof`; the profiles are
 * written to PROFILE_DIR (default: a temporary directory) and summarized with `bench/profile-summary.ts`
 * (give it the printed request count to get microseconds per request).
 * Run after `npm run build`: `tsx bench/profile-intake.ts`. PROFILE_SECONDS and PROFILE_ROUNDS shorten it;
 * PROFILE_STORE=lmdb profiles the durable store instead of the memory one; PROFILE_BODIES (default `compact,full`)
 * picks the bodies, `real` being the 4.4 KB capture the bench also sends.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import type autocannon from 'autocannon'
import { freePort, startChild } from './processes.js'
import { compactBody, median, mintRealBodies } from './workload.js'
import { cannon as post, startBenchPortal, startService } from './world.js'

const seconds = Number(process.env.PROFILE_SECONDS ?? 4)
const rounds = Number(process.env.PROFILE_ROUNDS ?? 3)
const perRun = 40_000
const work = mkdtempSync(join(tmpdir(), 'b24-autoread-profile-'))
const profileDir = process.env.PROFILE_DIR ?? join(work, 'profiles')
mkdirSync(profileDir, { recursive: true })
const log = (text: string) => console.log(text)

const bench = await startBenchPortal('profile', { latencyMs: 80 })
const { portal, botId } = bench
let services = 0

/** The bodies to profile: `compact` (~1 KB), `full` (the simulated portal's whole event), `real` (the 4.4 KB capture). */
type BodyKind = 'compact' | 'full' | 'real'
const kinds = (process.env.PROFILE_BODIES ?? 'compact,full')
  .split(',')
  .filter((k): k is BodyKind => k === 'compact' || k === 'full' || k === 'real')

/** `count` fresh bodies (distinct messages, so none is a duplicate) of `kind`. */
function bodies(count: number, kind: BodyKind): string[] {
  if (kind === 'real') return mintRealBodies(portal, botId, bench.applicationToken, count, 200).map((m) => m.body)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const sent = portal.userSends({ botId, dialogId: `chat${(i % 200) + 1}`, authorId: 1 + (i % 97) })
    out.push(kind === 'full' ? phpHttpBuildQuery(sent.event) : compactBody(sent.event))
  }
  return out
}

/** 50 connections for `duration` seconds. */
const cannon = (url: string, list: readonly string[], duration: number) =>
  post(url, list, { connections: 50, duration })

const store = process.env.PROFILE_STORE === 'lmdb' ? 'lmdb' : 'memory'
/** The built service on the chosen store with its own state directory, started with `nodeArgs`. */
const service = (nodeArgs: string[]) =>
  startService(bench.env, { STATE_STORE: store, STATE_DIR: join(work, `state-${services++}`) }, nodeArgs)

const barePort = await freePort()
const bare = await startChild(['bench/bare-server.mjs', String(barePort)], {}, barePort, '/nope')
const rows = []
for (const label of kinds) {
  const svc = await service([])
  const warm = bodies(5_000, label)
  await cannon(bare.url, warm, 1)
  await cannon(svc.url, warm, 1)
  const bareRuns = []
  const svcRuns = []
  for (let r = 0; r < rounds; r++) {
    bareRuns.push(await cannon(bare.url, warm, seconds))
    const s = await cannon(svc.url, bodies(perRun, label), seconds)
    if (s.requests.total > perRun) log(`  note: ${label} round ${r} repeated bodies (duplicates)`)
    svcRuns.push(s)
  }
  await svc.stop()
  const med = (runs: autocannon.Result[], pick: (r: autocannon.Result) => number) => median(runs.map(pick))
  const row = {
    store,
    body: label,
    bytes: Math.round(warm.reduce((n, b) => n + b.length, 0) / warm.length),
    bareRps: Math.round(med(bareRuns, (r) => r.requests.average)),
    serviceRps: Math.round(med(svcRuns, (r) => r.requests.average)),
    ratio: Math.round((med(svcRuns, (r) => r.requests.average) / med(bareRuns, (r) => r.requests.average)) * 100) / 100,
    bareP50P99: [med(bareRuns, (r) => r.latency.p50), med(bareRuns, (r) => r.latency.p99)],
    serviceP50P99: [med(svcRuns, (r) => r.latency.p50), med(svcRuns, (r) => r.latency.p99)],
    serviceRoundsRps: svcRuns.map((r) => Math.round(r.requests.average)),
    bareRoundsRps: bareRuns.map((r) => Math.round(r.requests.average)),
    non2xx: svcRuns.reduce((n, r) => n + r.non2xx + r.errors, 0),
  }
  rows.push(row)
  log(JSON.stringify(row))

  const dir = join(profileDir, label)
  mkdirSync(dir, { recursive: true })
  const profiled = await service(['--cpu-prof', `--cpu-prof-dir=${dir}`])
  const warmed = await cannon(profiled.url, bodies(perRun, label), 1)
  const measured = await cannon(profiled.url, bodies(perRun, label), seconds * 2)
  await profiled.stop()
  const requests = warmed.requests.total + measured.requests.total
  Object.assign(row, { profiledRequests: requests })
  log(`profile (${label}, ${requests} requests): ${join(dir, readdirSync(dir)[0] ?? '?')}`)
}
await bare.stop()
await bench.close()
writeFileSync(join(profileDir, 'comparison.json'), JSON.stringify(rows, null, 2))
log(`comparison: ${join(profileDir, 'comparison.json')}`)
