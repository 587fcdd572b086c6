import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTlsMaterial, type TlsMaterial } from '../src/tls.js'

function get(port: number, host: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path: '/', method: 'GET', ...(ca ? { ca } : {}) }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('generateTlsMaterial', () => {
  let tls: TlsMaterial
  let server: https.Server
  let port: number

  beforeAll(async () => {
    tls = await generateTlsMaterial()
    server = https.createServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('returns PEM key and certificate', () => {
    expect(tls.key).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(tls.cert).toMatch(/^-----BEGIN CERTIFICATE-----/)
  })

  it('validates for 127.0.0.1 when the certificate is its own CA', async () => {
    await expect(get(port, '127.0.0.1', tls.cert)).resolves.toBe(200)
  })

  it('validates for localhost when the certificate is its own CA', async () => {
    await expect(get(port, 'localhost', tls.cert)).resolves.toBe(200)
  })

  it('is rejected by a client that does not trust it', async () => {
    await expect(get(port, '127.0.0.1')).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })

  it('is rejected when another throwaway certificate is the CA', async () => {
    const other = await generateTlsMaterial()
    await expect(get(port, '127.0.0.1', other.cert)).rejects.toThrow()
  })
})
