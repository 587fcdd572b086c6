/**
 * An HTTPS proxy in front of the simulated portal that can answer every REST request with a canned error the
 * portal itself does not simulate (503 OVERLOAD_LIMIT, a manual block). Same certificate as the portal, so the
 * service trusts both through one B24_CA_FILE.
 */
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TlsMaterial } from '@b24-autoread/portal-sim'

/** A canned answer: HTTP status and the Bitrix24 error code. */
export interface CannedError {
  readonly status: number
  readonly error: string
  readonly description: string
}

/** 503 OVERLOAD_LIMIT as the system-errors page documents it. */
export const OVERLOAD_LIMIT: CannedError = {
  status: 503,
  error: 'OVERLOAD_LIMIT',
  description: 'REST API is blocked due to overload.',
}

/** A running proxy. */
export interface FaultProxy {
  /** `https://127.0.0.1:PORT` */
  readonly url: string
  /** Where requests are forwarded (the portal's origin); until set, every request gets 502. */
  forwardTo(origin: string): void
  /** Answer every request with `answer` until `pass()`. */
  block(answer: CannedError): void
  /** Forward requests to the portal again. */
  pass(): void
  /** Requests answered with the canned error. */
  readonly blocked: number
  close(): Promise<void>
}

/** Starts a proxy that serves with `tls` and trusts the same certificate upstream (give the portal `tls` too). */
export async function startFaultProxy(options: { readonly tls: TlsMaterial }): Promise<FaultProxy> {
  let answer: CannedError | undefined
  let blocked = 0
  let upstream: URL | undefined
  const server = https.createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => {
    if (answer) {
      const canned = answer
      blocked++
      req.resume()
      req.on('end', () => {
        res.writeHead(canned.status, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: canned.error, error_description: canned.description }))
      })
      return
    }
    if (!upstream) {
      req.resume()
      res.writeHead(502).end()
      return
    }
    const forward = https.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        ca: options.tls.cert,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    forward.on('error', () => {
      res.destroy()
    })
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    forwardTo(origin) {
      upstream = new URL(origin)
    },
    block(next) {
      answer = next
    },
    pass() {
      answer = undefined
    },
    get blocked() {
      return blocked
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
