import type { IncomingMessage, ServerResponse } from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TlsMaterial } from './tls.js'

/** A listening HTTPS server that can play dead. */
export interface DownableServer {
  port: number
  /** While down, every new connection and every request on a kept-alive one is destroyed at once. */
  setDown(down: boolean): void
  close(): Promise<void>
}

/** Starts an HTTPS server on `host:port`; `onDropped` is told about each connection destroyed by going or being down. */
export async function listenHttps(
  tls: TlsMaterial,
  host: string,
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onDropped: () => void,
): Promise<DownableServer> {
  let down = false
  const sockets = new Set<Socket>()
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    if (down) {
      onDropped()
      req.socket.destroy()
      return
    }
    handler(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy(error instanceof Error ? error : undefined)
        return
      }
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'INTERNAL_SERVER_ERROR', error_description: String(error) }))
    })
  })
  server.on('connection', (socket: Socket) => {
    if (down) {
      onDropped()
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    setDown(next) {
      down = next
      if (!down) return
      for (const socket of sockets) {
        onDropped()
        socket.destroy()
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
