/** The benchmark's world: the simulated portal with a bot, the built service as a child process, and the load helpers. */
import { type Portal, type PortalOptions, startPortalWithBot } from '@b24-autoread/portal-sim'
import autocannon from 'autocannon'
import { type Child, freePort, startChild } from './processes.js'

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The bot token of every bench world. */
export const BOT_TOKEN = 'bench-bot-token-0123456789'

/** A portal with the bench's bot, before any service reads it. */
export interface BenchPortal {
  portal: Portal
  botId: number
  /** The bot's application token (the `auth[application_token]` of its events). */
  applicationToken: string
  /** The service's environment for this portal and bot, for `startService`. */
  env: Record<string, string>
  /** Closes the portal and removes its CA file and the service's state. */
  close(): Promise<void>
}

/** A portal and the service reading it. */
export interface World extends BenchPortal {
  service: Child
}

/** Starts a portal with the bench's bot (`name` marks its temporary directory). */
export async function startBenchPortal(name: string, portalOptions: PortalOptions): Promise<BenchPortal> {
  const sim = await startPortalWithBot({
    portal: portalOptions,
    bot: { code: 'bench', botToken: BOT_TOKEN },
    dirPrefix: `b24-autoread-bench-${name}-`,
  })
  return {
    portal: sim.portal,
    botId: sim.bot.id,
    applicationToken: sim.bot.applicationToken,
    env: sim.env,
    close: sim.close,
  }
}

/** Starts a portal with a bot and the built service configured for it (`env` overrides, `nodeArgs` for node). */
export async function startWorld(
  name: string,
  portalOptions: PortalOptions,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  const bench = await startBenchPortal(name, portalOptions)
  return { ...bench, service: await startService(bench.env, env, nodeArgs) } satisfies World
}

/** Starts the built service on a free port with the portal's environment `base` (`env` overrides, `nodeArgs` first). */
export async function startService(
  base: Record<string, string>,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  const port = await freePort()
  return startChild(
    [...nodeArgs, 'dist/server.js'],
    { ...base, PORT: String(port), LOG_LEVEL: 'info', NO_PROXY: '127.0.0.1,localhost', ...env },
    port,
    '/healthz',
  )
}

/** Stops the service, then the portal. */
export async function stopWorld(world: World) {
  await world.service.stop()
  await world.close()
}

/** Posts one webhook body through fetch's keep-alive pool; resolves with the HTTP status once the answer is read. */
export async function post(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/bitrix24/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  await res.arrayBuffer()
  return res.status
}

/** Runs autocannon POSTing `bodies` in order (wrapping around), by duration or by amount. */
export function cannon(
  url: string,
  bodies: readonly string[],
  opts: { connections: number; duration?: number; amount?: number; overallRate?: number },
) {
  let next = 0
  return autocannon({
    url: `${url}/bitrix24/events`,
    connections: opts.connections,
    pipelining: 1,
    ...(opts.duration ? { duration: opts.duration } : {}),
    ...(opts.amount ? { amount: opts.amount } : {}),
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (req) => {
          const index = next++
          return { ...req, body: bodies[index % bodies.length] as string }
        },
      },
    ],
  })
}

/** Resolves with the time every dialog of `last` was read up to its id, or NaN after `timeoutMs`. */
export async function waitAllRead(
  portal: Portal,
  botId: number,
  last: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    let done = true
    for (const [dialogId, id] of last) {
      if (portal.readState(botId, dialogId).lastReadId < id) {
        done = false
        break
      }
    }
    if (done) return Date.now()
    await sleep(10)
  }
  return Number.NaN
}
