import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readBody, sendJson } from './http-io.js'
import type { Portal } from './portal.js'

/** A plain-HTTP control API for a portal running in another process (demo, bench). */
export interface ControlServer {
  url: string
  close(): Promise<void>
}

type Route = (body: Record<string, unknown>, query: URLSearchParams) => unknown

function routes(portal: Portal): Record<string, Route> {
  const spec = <T>(body: Record<string, unknown>): T => body as T
  return {
    'POST /bots': (body) => portal.addBot(spec(body)),
    'POST /user-sends': async (body) => {
      const { deliver, url, ...send } = body
      if (deliver !== true) return portal.userSends(spec(send))
      return portal.userSendsAndDeliver(spec(send), typeof url === 'string' ? { url } : {})
    },
    'POST /bot-joins': (body) => portal.botJoins(spec(body)),
    'POST /bot-leaves': (body) => portal.botLeaves(spec(body)),
    'POST /user-deletes': (body) => portal.userDeletes(spec(body)),
    'POST /oauth-tokens': (body) => portal.addOAuthToken(spec(body)),
    'POST /faults': (body) => portal.inject(spec(body)),
    'POST /down': (body) => portal.setDown(body.down === true),
    'POST /reset': () => portal.reset(),
    'GET /stats': () => portal.stats(),
    'GET /read-state': (_body, query) =>
      portal.readState(Number(query.get('readerId')), String(query.get('dialogId') ?? '')),
    'GET /pending-events': (_body, query) => ({ pending: portal.pendingEvents(Number(query.get('botId'))) }),
    'GET /requests': () => portal.requests,
    'GET /calls': () => portal.calls,
  }
}

/**
 * Serves the control API on `http://host:port`: `POST /bots`, `/user-sends` (`deliver: true` POSTs the event to the
 * bot's webhookUrl), `/bot-joins`, `/bot-leaves`, `/user-deletes`, `/oauth-tokens`, `/faults`, `/down`, `/reset`;
 * `GET /stats`, `/read-state?readerId&dialogId`, `/pending-events?botId`, `/requests`, `/calls`. Test use only.
 */
export async function startControlServer(portal: Portal, host = '127.0.0.1', port = 0): Promise<ControlServer> {
  const table = routes(portal)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control')
    const route = table[`${req.method} ${url.pathname}`]
    readBody(req)
      .then(async (raw) => {
        if (!route) return sendJson(res, 404, { error: 'NOT_FOUND' })
        const body = raw.trim() === '' ? {} : (JSON.parse(raw) as Record<string, unknown>)
        sendJson(res, 200, (await route(body, url.searchParams)) ?? { ok: true })
      })
      .catch((error: unknown) => sendJson(res, 400, { error: 'BAD_REQUEST', error_description: String(error) }))
  })
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
