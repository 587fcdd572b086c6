import https from 'node:https'

/** A raw answer: status, content type, body text and, when it parses, the JSON. */
export interface RawResponse {
  status: number
  contentType: string
  text: string
  json: unknown
}

/** Options of {@link postJson}. */
export interface PostOptions {
  ca?: string
  contentType?: string
  agent?: https.Agent
}

/** POSTs `body` (JSON unless a string is given) to an HTTPS URL, trusting `ca`; rejects on transport errors. */
export function postJson(url: string, body: unknown, options: PostOptions = {}): Promise<RawResponse> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(url),
      {
        method: 'POST',
        headers: {
          'content-type': options.contentType ?? 'application/json',
          'content-length': Buffer.byteLength(text),
        },
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(raw)
          } catch {
            json = undefined
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: raw,
            json,
          })
        })
      },
    )
    req.on('error', reject)
    req.end(text)
  })
}
