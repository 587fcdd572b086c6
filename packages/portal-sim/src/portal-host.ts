import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendJson } from './http-io.js'
import { listenHttps } from './https-server.js'
import { openPortal, type Portal } from './portal.js'
import { generateTlsMaterial, type TlsMaterial } from './tls.js'
import type { PortalOptions } from './types.js'

/** Many simulated portals behind one HTTPS server, each under its own path (`<url>/p/<n>/rest/...`). */
export interface PortalHost {
  /** `https://127.0.0.1:PORT` */
  readonly url: string
  /** The self-signed certificate to trust as CA. */
  readonly caPem: string
  /** Portals open on this host. */
  readonly size: number
  /**
   * Opens one more portal at `<url>/p/<n>`: its own member_id, bots, chats, limits and counters, as `startPortal`
   * makes, without a server of its own. Being down drops its connections, which other portals of the host may share.
   */
  addPortal(options?: Omit<PortalOptions, 'tls' | 'host' | 'port'>): Promise<Portal>
  /** Closes the server and every portal on it. */
  close(): Promise<void>
}

interface Site {
  readonly route: (req: IncomingMessage, res: ServerResponse) => Promise<void>
  readonly onDropped: () => void
  down: boolean
}

const PREFIX = /^\/p\/(\d+)(\/[^?]*)?(\?.*)?$/

/**
 * Starts a host of simulated portals: one HTTPS server (so one listening socket and one TLS context) for any number
 * of portals, each told apart by its path, the way one Bitrix24 cloud serves many portals. A thousand portals cost
 * memory for their worlds and nothing else.
 */
export async function startPortalHost(options: { tls?: TlsMaterial; port?: number } = {}): Promise<PortalHost> {
  const tls = options.tls ?? (await generateTlsMaterial())
  const sites = new Map<string, Site>()
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const match = PREFIX.exec(req.url ?? '/')
    const site = match?.[1] === undefined ? undefined : sites.get(match[1])
    if (match === null || site === undefined) {
      req.resume()
      return sendJson(res, 404, { error: 'NOT_FOUND', error_description: 'No such portal on this host' })
    }
    if (site.down) {
      site.onDropped()
      req.socket.destroy()
      return
    }
    // The portal sees its own paths, from `/`.
    req.url = `${match[2] ?? '/'}${match[3] ?? ''}`
    return site.route(req, res)
  }
  const server = await listenHttps(tls, '127.0.0.1', options.port ?? 0, route, () => {})
  const url = `https://127.0.0.1:${server.port}`
  let next = 1
  return {
    url,
    caPem: tls.cert,
    get size() {
      return sites.size
    },
    addPortal(portalOptions = {}) {
      const id = String(next++)
      return openPortal(portalOptions, tls.cert, async (route, onDropped) => {
        const site: Site = { route, onDropped, down: false }
        sites.set(id, site)
        return {
          url: `${url}/p/${id}`,
          domain: `127.0.0.1:${server.port}`,
          setDown: (down) => {
            site.down = down
          },
          close: async () => {
            sites.delete(id)
          },
        }
      })
    },
    close: () => {
      sites.clear()
      return server.close()
    },
  }
}
