import { generate } from 'selfsigned'

/** A PEM private key and its self-signed certificate, for an HTTPS test server. */
export interface TlsMaterial {
  key: string
  cert: string
}

/** Options for {@link generateTlsMaterial}. */
export interface TlsOptions {
  commonName?: string
  validDays?: number
}

/**
 * Generates a throwaway self-signed EC certificate valid for `127.0.0.1` and `localhost`.
 * Clients trust it by passing `cert` as an extra CA (`https.Agent({ ca })`); verification stays on.
 */
export async function generateTlsMaterial(options: TlsOptions = {}): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000)
  const notAfterDate = new Date(notBeforeDate.getTime() + (options.validDays ?? 2) * 86_400_000)
  const pems = await generate([{ name: 'commonName', value: options.commonName ?? 'b24-portal-sim' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  })
  return { key: pems.private, cert: pems.cert }
}
