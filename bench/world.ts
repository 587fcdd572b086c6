/** The benchmark's world: the simulated portal with a bot, the built service as a child process, and the load helpers. */
import { type Portal, type PortalOptions, startPortalWithBot } from '@b24-autoread/portal-sim'
import autocannon from 'autocannon'
import { type Child, freePort, startChild } from './processes.js'

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The bot token of every bench world. */
export const BOT_TOKEN = 'bench-bot-token-0123456789'

/** A portal and the service reading it. */
export interface World {
  portal: Portal
  service: Child
  botId: number
  /** Closes the portal and removes its CA file and the service's state. */
  close(): Promise<void>
}

/** Starts a portal with a bot and the built service configured for it (`env` overrides). */
export async function startWorld(name: string, portalOptions: PortalOptions, env: Record<string, string> = {}) {
  const sim = await startPortalWithBot({
    portal: portalOptions,
    bot: { code: 'bench', botToken: BOT_TOKEN },
    dirPrefix: `b24-autoread-bench-${name}-`,
  })
  const port = await freePort()
  const service = await startChild(
    ['dist/server.js'],
    { ...sim.env, PORT: String(port), LOG_LEVEL: 'info', NO_PROXY: '127.0.0.1,localhost', ...env },
    port,
    '/healthz',
  )
  return { portal: sim.portal, service, botId: sim.bot.id, close: sim.close } satisfies World
}

/** Stops the service, then the portal. */
export async function stopWorld(world: World) {
  await world.service.stop()
  await world.close()
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
  last: Map<string, number>,
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
