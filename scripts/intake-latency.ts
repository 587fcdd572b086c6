/**
 * What the durable store costs at intake: webhook latency (request sent -> 200 received) with `STATE_STORE=memory`
 * and with `STATE_STORE=lmdb` (the pending read and dedupe key committed and fsynced before the 200), one event at
 * a time and 32 at once. Not in CI.
 *
 *   npx tsx scripts/intake-latency.ts            # 3,000 events per run
 */
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { startPortalWithBot } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { startService } from '../src/start-service.js'

const EVENTS = Number(process.env.EVENTS ?? 3_000)
const sim = await startPortalWithBot({
  portal: { burst: 100_000, drainPerSec: 100_000 },
  bot: { botToken: 'latency-bot-token', applicationToken: 'latency-app-token' },
  dirPrefix: 'b24-latency-',
})
const { portal, bot, dir } = sim
const agent = new Agent({ keepAlive: true, maxSockets: 64 })

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function measure(store: 'memory' | 'lmdb', concurrency: number): Promise<number[]> {
  const service = await startService({
    env: {
      ...sim.env,
      LOG_LEVEL: 'silent',
      B24_RATE_BURST: '10000',
      B24_RATE_PER_SEC: '1000',
      STATE_STORE: store,
      STATE_DIR: join(dir, `state-${store}-${concurrency}`),
    },
    logDestination: pino.destination('/dev/null'),
  })
  const bodies = Array.from({ length: EVENTS }, (_, i) =>
    phpHttpBuildQuery(portal.userSends({ botId: bot.id, dialogId: `chat${1 + (i % 500)}` }).event),
  )
  const url = `${service.url}/bitrix24/events`
  for (const body of bodies.slice(0, 200)) await post(url, body)
  const latencies: number[] = []
  let next = 200
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string
        const started = performance.now()
        const status = await post(url, body)
        latencies.push(performance.now() - started)
        if (status !== 200) throw new Error(`status ${status}`)
      }
    }),
  )
  await service.close()
  return latencies.sort((a, b) => a - b)
}

const q = (sorted: number[], p: number) => (sorted[Math.floor(sorted.length * p)] ?? 0).toFixed(2)
console.log(`intake latency, ${EVENTS - 200} events per run (ms)`)
console.log('store   conc     p50     p90     p99     max')
for (const concurrency of [1, 32]) {
  for (const store of ['memory', 'lmdb'] as const) {
    const l = await measure(store, concurrency)
    console.log(
      `${store.padEnd(7)} ${String(concurrency).padStart(4)} ${[0.5, 0.9, 0.99].map((p) => q(l, p).padStart(7)).join(' ')} ${(l.at(-1) ?? 0).toFixed(2).padStart(7)}`,
    )
  }
}
agent.destroy()
await sim.close()
process.exit(0)
