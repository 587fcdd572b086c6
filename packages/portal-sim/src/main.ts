/**
 * Runs the simulated portal standalone (what `bin/portal-sim.js` loads):
 *   npx b24-portal-sim --burst 50 --rate 2 --latency 5-20 --bot autoread:my_bot_token
 * Writes the certificate to a temp file and prints one JSON line `{url, webhookUrl, caFile, controlUrl, bots}`.
 * Options (argv or env): --port PORTAL_PORT, --control-port PORTAL_CONTROL_PORT, --burst PORTAL_BURST,
 * --rate PORTAL_RATE (drain/s), --latency PORTAL_LATENCY_MS (`ms` or `min-max`), --operating-limit
 * PORTAL_OPERATING_LIMIT, --operating-cost PORTAL_OPERATING_COST, --imbot-in-batch PORTAL_IMBOT_IN_BATCH,
 * --secret PORTAL_SECRET, --user-id PORTAL_USER_ID, --bot PORTAL_BOTS (comma-separated
 * `code:botToken[:fetch|webhook[:webhookUrl]]`). Stops on SIGTERM/SIGINT.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startControlServer } from './control-server.js'
import { startPortal } from './portal.js'
import type { ImbotInBatch, Latency, PortalOptions } from './types.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'control-port': { type: 'string' },
    burst: { type: 'string' },
    rate: { type: 'string' },
    latency: { type: 'string' },
    'operating-limit': { type: 'string' },
    'operating-cost': { type: 'string' },
    'imbot-in-batch': { type: 'string' },
    secret: { type: 'string' },
    'user-id': { type: 'string' },
    bot: { type: 'string', multiple: true },
  },
})
const env = process.env
const num = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value))

function latency(spec: string | undefined): Latency {
  const [min = '0', max] = (spec ?? '0').split('-')
  if (max === undefined) return Number(min)
  return () => Number(min) + Math.random() * (Number(max) - Number(min))
}

/** Drops undefined entries, so optional options stay absent (exactOptionalPropertyTypes). */
function defined<T extends object>(object: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}

const options: PortalOptions = defined({
  port: num(values.port ?? env.PORTAL_PORT),
  burst: num(values.burst ?? env.PORTAL_BURST),
  drainPerSec: num(values.rate ?? env.PORTAL_RATE),
  latencyMs: latency(values.latency ?? env.PORTAL_LATENCY_MS),
  operatingLimitS: num(values['operating-limit'] ?? env.PORTAL_OPERATING_LIMIT),
  operatingCostS: num(values['operating-cost'] ?? env.PORTAL_OPERATING_COST),
  imbotInBatch: (values['imbot-in-batch'] ?? env.PORTAL_IMBOT_IN_BATCH) as ImbotInBatch | undefined,
  webhookSecret: values.secret ?? env.PORTAL_SECRET,
  webhookUserId: num(values['user-id'] ?? env.PORTAL_USER_ID),
})
const portal = await startPortal(options)
const control = await startControlServer(portal, '127.0.0.1', num(values['control-port'] ?? env.PORTAL_CONTROL_PORT))
const botSpecs = values.bot ?? (env.PORTAL_BOTS ? env.PORTAL_BOTS.split(',') : [])
const bots = botSpecs.map((spec) => {
  const [code = 'bot', botToken, mode, ...url] = spec.split(':')
  const webhookUrl = url.length > 0 ? url.join(':') : undefined
  const bot = portal.addBot({
    code,
    ...defined({ botToken, webhookUrl }),
    eventMode: mode === 'webhook' ? 'webhook' : 'fetch',
  })
  return { id: bot.id, code: bot.code, eventMode: bot.eventMode, applicationToken: bot.applicationToken }
})
const dir = mkdtempSync(join(tmpdir(), 'b24-portal-'))
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, portal.caPem)
process.stdout.write(
  `${JSON.stringify({ url: portal.url, webhookUrl: portal.webhookUrl, caFile, controlUrl: control.url, bots })}\n`,
)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await Promise.all([portal.close(), control.close()])
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
