/**
 * A/B of the intake (issue 13): the built service of this tree and of another (BASE_DIR, e.g. an export of main
 * with `npm run build` done), beside the bare route, in alternating rounds in one run (bare, base, this, ...), at 50
 * connections, on the bench's ~1 KB body and the real 4.4 KB capture, with STATE_STORE (default memory). A loaded
 * machine moves all three alike within a round, so the medians' ratios compare the builds. Each process's CPU time
 * (from /proc) per request served is printed too: the cost of a request, whatever the scheduler did.
 * Usage: `npm run build && BASE_DIR=/path/to/base tsx bench/ab-intake.ts [rounds] [seconds]`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Child, freePort, startChild } from './processes.js'
import { median, mintMessages, mintRealBodies } from './workload.js'
import { cannon, startBenchPortal } from './world.js'

const baseDir = process.env.BASE_DIR
if (baseDir === undefined) throw new Error('set BASE_DIR to the tree of the base build')
const rounds = Number(process.argv[2] ?? 5)
const seconds = Number(process.argv[3] ?? 4)
const store = process.env.STATE_STORE ?? 'memory'
const perRound = 25_000

/** CPU time (user + system) the process has used, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const bench = await startBenchPortal('ab', { latencyMs: 80 })
/** A built service from `dir` on a free port. */
async function service(dir: string, name: string): Promise<Child> {
  const port = await freePort()
  const env = {
    ...bench.env,
    PORT: String(port),
    LOG_LEVEL: 'info',
    STATE_STORE: store,
    STATE_DIR: `${bench.env.STATE_DIR ?? '/tmp'}-${name}`,
    NO_PROXY: '127.0.0.1,localhost',
  }
  return startChild([join(dir, 'dist/server.js')], env, port, '/healthz')
}
const barePort = await freePort()
const bare = await startChild(['bench/bare-server.mjs', String(barePort)], {}, barePort, '/nope')
const rows = []
for (const body of ['compact', 'real'] as const) {
  const targets = { base: await service(baseDir, `base-${body}`), this: await service('.', `this-${body}`) }
  const count = perRound * (rounds + 1)
  const mint = (n: number) =>
    body === 'real'
      ? mintRealBodies(bench.portal, bench.botId, bench.applicationToken, n, 200)
      : mintMessages(bench.portal, bench.botId, n, 200)
  const bodies = { base: mint(count).map((m) => m.body), this: mint(count).map((m) => m.body) }
  const rps: Record<'bare' | 'base' | 'this', number[]> = { bare: [], base: [], this: [] }
  const p99: Record<'bare' | 'base' | 'this', number[]> = { bare: [], base: [], this: [] }
  const cpu: Record<'bare' | 'base' | 'this', number[]> = { bare: [], base: [], this: [] }
  const pids = { bare: bare.pid, base: targets.base.pid, this: targets.this.pid }
  const urls = { bare: bare.url, base: targets.base.url, this: targets.this.url }
  for (let r = 0; r <= rounds; r++) {
    const slice = (list: string[]) => list.slice(r * perRound, (r + 1) * perRound)
    // The order alternates: whichever runs right after a service round meets the portal still answering its reads.
    const order = r % 2 === 0 ? (['bare', 'base', 'this'] as const) : (['bare', 'this', 'base'] as const)
    for (const k of order) {
      const cpuBefore = cpuMicros(pids[k])
      const res = await cannon(urls[k], slice(bodies[k === 'this' ? 'this' : 'base']), {
        connections: 50,
        duration: r === 0 ? 1 : seconds,
      })
      if (r === 0) continue // warm-up
      rps[k].push(Math.round(res.requests.average))
      p99[k].push(res.latency.p99)
      cpu[k].push(Math.round((cpuMicros(pids[k]) - cpuBefore) / res.requests.total))
    }
  }
  await targets.base.stop()
  await targets.this.stop()
  const row = {
    body,
    store,
    bareRps: median(rps.bare),
    baseRps: median(rps.base),
    thisRps: median(rps.this),
    baseRatio: Math.round((median(rps.base) / median(rps.bare)) * 100) / 100,
    thisRatio: Math.round((median(rps.this) / median(rps.bare)) * 100) / 100,
    p99Ms: { bare: median(p99.bare), base: median(p99.base), this: median(p99.this) },
    cpuMicrosPerRequest: { bare: median(cpu.bare), base: median(cpu.base), this: median(cpu.this) },
    rounds: rps,
  }
  rows.push(row)
  console.log(JSON.stringify(row))
}
await bare.stop()
await bench.close()
