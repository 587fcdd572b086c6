import http from 'node:http'
import https from 'node:https'
import { phpHttpBuildQuery } from './events/php-form.js'

/** Options of {@link deliverEvent}. */
export interface DeliverOptions {
  /** `form` (default) is what the reference page documents; `json` is what some handlers in the docs expect. */
  format?: 'form' | 'json'
  /** Extra CA for an HTTPS target. */
  ca?: string
  headers?: Record<string, string>
  timeoutMs?: number
}

/** The receiver's answer. */
export interface DeliveryResult {
  status: number
  body: string
}

/** POSTs an event to a bot's webhook URL the way Bitrix24 does (`application/x-www-form-urlencoded`, PHP encoding). */
export function deliverEvent(event: object, url: string, options: DeliverOptions = {}): Promise<DeliveryResult> {
  const json = options.format === 'json'
  const body = json ? JSON.stringify(event) : phpHttpBuildQuery(event)
  const target = new URL(url)
  const transport = target.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Bitrix24 Webhook Engine (simulated)',
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 10_000,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`delivery to ${target.origin} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}
