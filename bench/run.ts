/**
 * `npm run bench`: runs the built service (`node dist/server.js`) as a separate process against the simulated portal
 * (leaky bucket on, realistic latency), drives it over HTTP keep-alive with autocannon, prints a table and writes
 * bench/results.json. Phases: intake vs a bare Fastify route, a 10,000-message burst, a flood of new dialogs and 2,000
 * messages over 40 dialogs against the physical limit (`budget-phases.ts`), light load, memory, replicas on Redis.
 * BENCH_QUICK=1 shortens every phase (for a smoke run; its numbers are not the documented ones). BENCH_ONLY=intake runs
 * the intake phase alone and writes bench/results-intake.json; BENCH_ONLY=memory and BENCH_ONLY=light run that phase
 * alone and print its result (nothing written).
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { floodPhase, spreadPhase } from './budget-phases.js'
import { freePort, startChild } from './processes.js'
import { replicasPhase } from './replicas.js'
import { lastIds, type Message, median, mintMessages, mintRealBodies, percentile } from './workload.js'
import { cannon, post, sleep, startWorld, stopWorld, waitAllRead } from './world.js'

const QUICK = process.env.BENCH_QUICK === '1'
const log = (text: string) => console.log(text)

// ---------------------------------------------------------------- intake
/** What the intake must reach beside the bare route in the same run (issue 13): memory 0.8, LMDB 0.6. */
const INTAKE_TARGET = { memory: 0.8, lmdb: 0.6 } as const

/**
 * The service beside a bare Fastify route on the same machine, in alternating rounds (bare, service, bare, ...), at
 * 50 connections; medians of the rounds. `body`: `compact` (~1 KB, the portal's event without the callback OAuth
 * block) or `real` (the body a real portal sent, 4.4 KB). Every service round sends fresh message ids.
 */
async function intakePhase(store: 'lmdb' | 'memory', body: 'compact' | 'real') {
  const seconds = QUICK ? 2 : 5
  const rounds = QUICK ? 1 : 3
  const world = await startWorld(`intake-${store}`, { latencyMs: 80 }, { STATE_STORE: store })
  const barePort = await freePort()
  const bare = await startChild(['bench/bare-server.mjs', String(barePort)], {}, barePort, '/nope')
  const perRound = QUICK ? 30_000 : 60_000
  const count = perRound * (rounds + 1)
  const messages =
    body === 'real'
      ? mintRealBodies(world.portal, world.botId, world.applicationToken, count, 200)
      : mintMessages(world.portal, world.botId, count, 200)
  const bodies = messages.map((m) => m.body)
  const avgBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length)
  let offset = 0
  const serviceRun = async (duration: number) => {
    const slice = bodies.slice(offset, offset + perRound)
    offset += perRound
    return cannon(world.service.url, slice, { connections: 50, duration })
  }
  await cannon(bare.url, bodies.slice(0, 5000), { connections: 50, duration: 1 })
  await serviceRun(1)
  const bareRps: number[] = []
  const bareP50: number[] = []
  const bareP99: number[] = []
  const serviceRps: number[] = []
  const serviceP50: number[] = []
  const serviceP99: number[] = []
  let serviceErrors = 0
  for (let r = 0; r < rounds; r++) {
    const b = await cannon(bare.url, bodies.slice(0, perRound), { connections: 50, duration: seconds })
    bareRps.push(b.requests.average)
    bareP50.push(b.latency.p50)
    bareP99.push(b.latency.p99)
    const s = await serviceRun(seconds)
    if (s.requests.total > perRound)
      log(`  note: round ${r} sent ${s.requests.total} > ${perRound} bodies; some repeated (duplicates)`)
    serviceRps.push(s.requests.average)
    serviceP50.push(s.latency.p50)
    serviceP99.push(s.latency.p99)
    serviceErrors += s.non2xx + s.errors
  }
  await bare.stop()
  await stopWorld(world)
  const ratio = Math.round((median(serviceRps) / median(bareRps)) * 100) / 100
  return {
    store,
    body,
    bodyBytes: avgBytes,
    connections: 50,
    secondsPerRound: seconds,
    rounds,
    bareRps: Math.round(median(bareRps)),
    serviceRps: Math.round(median(serviceRps)),
    ratio,
    target: INTAKE_TARGET[store],
    bareP50Ms: median(bareP50),
    bareP99Ms: median(bareP99),
    serviceP50Ms: median(serviceP50),
    serviceP99Ms: median(serviceP99),
    serviceNon2xx: serviceErrors,
  }
}

// ---------------------------------------------------------------- burst
async function burstPhase() {
  const count = 10_000
  const world = await startWorld('burst', { latencyMs: () => 50 + Math.random() * 100 })
  const messages = mintMessages(world.portal, world.botId, count, 200)
  const last = lastIds(messages)
  const started = Date.now()
  const result = await cannon(
    world.service.url,
    messages.map((m) => m.body),
    { connections: 50, amount: count },
  )
  const lastSent = Date.now()
  const allRead = await waitAllRead(world.portal, world.botId, last, 120_000)
  await sleep(200)
  const stats = world.portal.stats()
  const memory = world.service.memory()
  await stopWorld(world)
  return {
    messages: count,
    dialogs: last.size,
    sendSeconds: (lastSent - started) / 1000,
    accepted2xx: result['2xx'],
    restRequests: stats.requests,
    batches: stats.batches,
    rateLimitRejections: stats.rejected503 + stats.rejected429,
    secondsFromLastMessageToAllRead: Math.round(((allRead - lastSent) / 1000) * 100) / 100,
    callsPerMessage: stats.requests / count,
    fewerCallsThanOnePerMessage: Math.round(count / stats.requests),
    regressions: stats.regressions,
    peakRssMb: memory.peakMb,
  }
}

// ---------------------------------------------------------------- light load
async function lightPhase(plan: 'standard' | 'enterprise') {
  const [burst, perSec] = plan === 'standard' ? [50, 2] : [250, 5]
  const latency = 80
  const seconds = QUICK ? 6 : 30
  const world = await startWorld(
    `light-${plan}`,
    { latencyMs: latency, burst, drainPerSec: perSec },
    {
      B24_RATE_BURST: String(burst),
      B24_RATE_PER_SEC: String(perSec),
    },
  )
  const count = 5 * seconds
  // Warm-up, not measured: open the service's keep-alive TLS connections to the portal and let the JIT settle.
  const warm = mintMessages(world.portal, world.botId, 20, 20, 'chat5000')
  await cannon(
    world.service.url,
    warm.map((m) => m.body),
    { connections: 4, amount: warm.length },
  )
  await waitAllRead(world.portal, world.botId, lastIds(warm), 10_000)
  await sleep(1_000)
  world.portal.reset()
  const messages: Message[] = mintMessages(world.portal, world.botId, count, 200, 'chat')
  // Open loop at a fixed 200 ms pace through fetch's keep-alive pool, stamping each request as it is sent:
  // autocannon's rate limiter builds a request before its slot comes, which adds up to 1/rate of false lag.
  const sentAt: number[] = []
  const started = Date.now()
  const inFlight: Promise<unknown>[] = []
  for (const [i, m] of messages.entries()) {
    await sleep(Math.max(0, started + i * 200 - Date.now()))
    sentAt[i] = Date.now()
    inFlight.push(post(world.service.url, m.body))
  }
  await Promise.all(inFlight)
  await waitAllRead(world.portal, world.botId, lastIds(messages), 60_000)
  const reads = world.portal.calls.filter((c) => c.ok && c.method === 'imbot.v2.Chat.Message.read')
  const lags: number[] = []
  messages.forEach((m, i) => {
    const covering = reads.find((c) => c.params.dialogId === m.dialogId && Number(c.params.messageId) >= m.messageId)
    const sent = sentAt[i]
    // The portal runs a method after its latency and answers at once, so `at` is when the read was confirmed.
    if (covering && sent !== undefined) lags.push(covering.at - sent)
  })
  const stats = world.portal.stats()
  await stopWorld(world)
  const overhead = lags.map((l) => l - latency)
  return {
    plan: `${plan} (${burst} burst, ${perSec}/s)`,
    messagesPerSecond: 5,
    seconds,
    measured: lags.length,
    portalLatencyMs: latency,
    lagP50Ms: Math.round(percentile(lags, 50)),
    lagP99Ms: Math.round(percentile(lags, 99)),
    overheadP50Ms: Math.round(percentile(overhead, 50)),
    overheadP99Ms: Math.round(percentile(overhead, 99)),
    restRequests: stats.requests,
    rateLimitRejections: stats.rejected503 + stats.rejected429,
  }
}

// ---------------------------------------------------------------- memory
/** The node flags the service is deployed with (the Dockerfile's `CMD`, `npm start`): a bounded heap. */
const DEPLOYED_NODE_ARGS = ['--max-old-space-size=1024']

/** The sum of a metric's samples in the service's `/metrics` (every label), or undefined when it cannot be read. */
async function metricSum(url: string, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text()
    const lines = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    return lines.length === 0 ? undefined : lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  } catch {
    return undefined
  }
}

/**
 * 100,000 distinct dialogs accepted at full speed, run with `nodeArgs` (node's defaults, or the deployed flags), while
 * the portal is `rate-limited` (its budget, 50 and 2/s, lets only a few thousand be read) or `down` (every connection
 * destroyed, so each read fails and its dialog backs off on its own, with the defaults a user gets). Peak RSS of the
 * service right after the burst, and for `down` also after holding the pending dialogs through their retries.
 */
async function memoryPhase(nodeArgs: string[], portal: 'rate-limited' | 'down') {
  const dialogs = QUICK ? 20_000 : 100_000
  const holdMs = portal === 'down' ? (QUICK ? 10_000 : 30_000) : 0
  const world = await startWorld('memory', { latencyMs: 80 }, {}, nodeArgs)
  if (portal === 'down') world.portal.setDown(true)
  const messages = mintMessages(world.portal, world.botId, dialogs, dialogs, 'chat')
  const before = world.service.memory()
  const result = await cannon(
    world.service.url,
    messages.map((m) => m.body),
    { connections: 50, amount: dialogs },
  )
  await sleep(500)
  const after = world.service.memory()
  const pending = await metricSum(world.service.url, 'b24_autoread_pending_dialogs')
  await sleep(holdMs)
  const held = world.service.memory()
  const url = world.service.url
  const [pendingHeld, readRequests, parked, read] = await Promise.all([
    metricSum(url, 'b24_autoread_pending_dialogs'),
    metricSum(url, 'b24_autoread_read_requests_total'),
    metricSum(url, 'b24_autoread_reads_parked_total'),
    metricSum(url, 'b24_autoread_messages_read_total'),
  ])
  await stopWorld(world)
  return {
    dialogs,
    portal,
    nodeArgs: nodeArgs.join(' ') || '(node defaults)',
    accepted2xx: result['2xx'],
    pendingDialogsAfter: pending,
    idleRssMb: before.rssMb,
    rssMb: after.rssMb,
    peakRssMb: after.peakMb,
    ...(holdMs > 0
      ? {
          heldSeconds: holdMs / 1000,
          pendingDialogsHeld: pendingHeld,
          readRequests,
          messagesRead: read,
          // A labelled counter shows no sample until a read is parked: none parked, if the metrics were read at all.
          readsParked: parked ?? (readRequests === undefined ? undefined : 0),
          rssHeldMb: held.rssMb,
          peakRssHeldMb: held.peakMb,
        }
      : {}),
  }
}

/** The memory phase's four runs: the rate-limited portal (the baseline) and the portal down, under both heap settings. */
async function memoryPhases() {
  const runs = []
  for (const portal of ['rate-limited', 'down'] as const) {
    for (const nodeArgs of [[], DEPLOYED_NODE_ARGS]) runs.push(await memoryPhase(nodeArgs, portal))
  }
  return runs
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
  quick: QUICK,
}
log(`b24-autoread benchmark on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB, Node ${machine.node}\n`)
const ONLY = process.env.BENCH_ONLY
if (ONLY === 'memory' || ONLY === 'light') {
  const only = ONLY === 'memory' ? await memoryPhases() : [await lightPhase('standard'), await lightPhase('enterprise')]
  log(JSON.stringify({ machine, [ONLY]: only }, null, 2))
  process.exit(0)
}
log(
  'intake: ~1 KB and real 4.4 KB form bodies at 50 connections, service vs a bare Fastify route (medians of alternating rounds)...',
)
const intakes = []
for (const body of ['compact', 'real'] as const) {
  for (const store of ['memory', 'lmdb'] as const) intakes.push(await intakePhase(store, body))
}
const intakeRows = intakes.flatMap(
  (i): Array<[string, string, string, string]> => [
    [
      'intake',
      `events/s accepted, ${i.store} store, ${i.bodyBytes} B body (median)`,
      `${i.serviceRps} vs bare ${i.bareRps} = ${i.ratio}x`,
      i.ratio >= i.target ? `met (>= ${i.target})` : `NOT met (>= ${i.target})`,
    ],
    [
      'intake',
      `p50 / p99 answer at 50 connections, ${i.store}, ${i.bodyBytes} B`,
      `${i.serviceP50Ms} / ${i.serviceP99Ms} ms vs bare ${i.bareP50Ms} / ${i.bareP99Ms} ms`,
      '',
    ],
    [
      'intake',
      `non-2xx answers, ${i.store}, ${i.bodyBytes} B`,
      String(i.serviceNon2xx),
      i.serviceNon2xx === 0 ? 'ok' : 'errors',
    ],
  ],
)
if (process.env.BENCH_ONLY === 'intake') {
  writeFileSync('bench/results-intake.json', `${JSON.stringify({ machine, intake: intakes }, null, 2)}\n`)
  log('')
  printRows(intakeRows)
  log('\nwritten: bench/results-intake.json')
  process.exit(0)
}
log('burst: 10,000 messages over 200 dialogs, as fast as possible...')
const burst = await burstPhase()
const floodSeconds = QUICK ? 6 : 30
log(`flood: 200 new dialogs/s for ${floodSeconds} s on the standard plan, against the physical limit...`)
const flood = await floodPhase(floodSeconds)
log('spread: 2,000 messages over 40 dialogs, as fast as possible, standard plan...')
const spread = await spreadPhase()
log('light load: 5 messages/s over 200 dialogs...')
const light = [await lightPhase('standard'), await lightPhase('enterprise')]
log(`memory: ${QUICK ? '20,000' : '100,000'} distinct dialogs pending...`)
const memory = await memoryPhases()
log('replicas: the same burst drained by 1 and by 3 replicas on Redis, and intake on Redis...')
const replicas = await replicasPhase()
const results = { machine, intake: intakes, burst, flood, spread, light, memory, replicas }
writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`)

const rows: Array<[string, string, string, string]> = [
  ...intakeRows,
  ['burst', 'REST requests for 10,000 messages', `${burst.restRequests} (${burst.batches} batches)`, ''],
  [
    'burst',
    'rate-limit rejections',
    String(burst.rateLimitRejections),
    burst.rateLimitRejections === 0 ? 'met (0)' : 'NOT met (0)',
  ],
  [
    'burst',
    's from last message to all read',
    String(burst.secondsFromLastMessageToAllRead),
    burst.secondsFromLastMessageToAllRead <= 5 ? 'met (<= 5 s)' : 'NOT met (<= 5 s)',
  ],
  [
    'burst',
    'fewer calls than one per message',
    `${burst.fewerCallsThanOnePerMessage}x`,
    burst.fewerCallsThanOnePerMessage >= 100 ? 'met (>= 100x)' : 'NOT met (>= 100x)',
  ],
  ['burst', 'id regressions', String(burst.regressions), burst.regressions === 0 ? 'ok' : 'BUG'],
  ...light.map((l): [string, string, string, string] => [
    'light',
    `${l.plan}: p50 / p99 lag (portal ${l.portalLatencyMs} ms)`,
    `${l.lagP50Ms} / ${l.lagP99Ms} ms, overhead ${l.overheadP50Ms} / ${l.overheadP99Ms} ms`,
    l.overheadP99Ms <= 20 ? 'met (p99 overhead <= 20 ms)' : 'NOT met (p99 overhead <= 20 ms)',
  ]),
  [
    'memory',
    'peak RSS during the burst',
    `${burst.peakRssMb} MB`,
    burst.peakRssMb <= 200 ? 'met (<= 200 MB)' : 'NOT met',
  ],
  ...memory.map((m): [string, string, string, string] => [
    'memory',
    `peak RSS, ${m.dialogs} dialogs pending, portal ${m.portal}, node ${m.nodeArgs}`,
    `${m.peakRssHeldMb ?? m.peakRssMb} MB (pending ${m.pendingDialogsHeld ?? m.pendingDialogsAfter ?? '?'})`,
    (m.peakRssHeldMb ?? m.peakRssMb) <= 200 ? 'met (<= 200 MB)' : 'NOT met',
  ]),
]
rows.push(
  [
    'flood',
    `${flood.dialogs} new dialogs at ${flood.dialogsPerSecond}/s, ${flood.plan}: last read vs the limit`,
    `${flood.lastReadS} s vs ideal ${flood.idealS} s = ${flood.ratioToLimit} of the limit (${flood.restRequests} requests)`,
    flood.ratioToLimit >= 0.95 ? 'met (>= 0.95)' : 'NOT met (>= 0.95)',
  ],
  [
    'flood',
    'rate-limit rejections',
    String(flood.rateLimitRejections),
    flood.rateLimitRejections === 0 ? 'met (0)' : 'NOT met (0)',
  ],
  [
    'spread',
    `REST requests for ${spread.messages} messages over ${spread.dialogs} dialogs`,
    `${spread.restRequests} (the limit needs ${spread.fewestRequests}); ${spread.rateLimitRejections} rejections`,
    spread.restRequests <= 20 ? 'met (<= 20)' : 'NOT met (<= 20)',
  ],
  [
    'spread',
    's from last message to all read',
    `${spread.secondsFromLastMessageToAllRead} (all in by ${spread.lastMessageS} s; ${spread.ratioToLimit} of the limit)`,
    spread.secondsFromLastMessageToAllRead <= 3 ? 'met (<= 3 s)' : 'NOT met (<= 3 s)',
  ],
)
for (const r of replicas.burst) {
  rows.push([
    'replicas',
    `${r.replicas} replica(s) on Redis: ${r.messages} messages, s to all read / rejections / regressions / overlaps`,
    `${r.secondsFromLastMessageToAllRead} s / ${r.rateLimitRejections} / ${r.regressions} / ${r.overlappingReads}`,
    r.rateLimitRejections + r.regressions + r.overlappingReads === 0 ? 'ok (0 / 0 / 0)' : 'NOT met',
  ])
}
for (const m of [replicas.manyPortals.one, replicas.manyPortals.three]) {
  rows.push([
    'replicas',
    `${m.replicas} replica(s), ${m.portals} OAuth portals, ${m.dialogs} dialogs: median dialog reads/s / rejections`,
    `${m.medianDialogReadsPerSecond} / ${m.rateLimitRejections}`,
    m === replicas.manyPortals.three ? `${replicas.manyPortals.threeOverOne}x of 1 replica` : '',
  ])
}
rows.push(['replicas', 'intake events/s, one replica on Redis', String(replicas.intake.serviceRps), ''])
log('')
printRows(rows)
log('\nwritten: bench/results.json')

/** Prints rows as a Markdown table with aligned columns. */
function printRows(rows: ReadonlyArray<readonly [string, string, string, string]>) {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)))
  for (const row of rows) log(`| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`)
}
