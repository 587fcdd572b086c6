import type { IncomingMessage, ServerResponse } from 'node:http'
import qs from 'qs'
import { objectParam } from './params.js'
import { fail } from './rest-error.js'
import type { Params } from './types.js'

/** Reads a request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Parses a REST body: JSON (what the SDK sends) or PHP-style form; empty is `{}`; bad JSON → 400 ERROR_ARGUMENT. */
export function parseBody(raw: string, contentType: string | undefined): Params {
  if (raw.trim() === '') return {}
  if ((contentType ?? '').includes('json') || /^\s*[{[]/.test(raw)) {
    try {
      return objectParam(JSON.parse(raw)) ?? fail('ERROR_ARGUMENT')
    } catch {
      fail('ERROR_ARGUMENT')
    }
  }
  return qs.parse(raw, { depth: 10, parameterLimit: 10_000, parseArrays: false })
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Sends an HTML answer, like a proxy in front of the portal does on 502. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) })
  res.end(html)
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
