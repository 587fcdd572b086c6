import { postJson, type RawResponse } from './https-json.js'

/** The parts of a portal a raw client needs. */
export interface PortalAddress {
  url: string
  webhookUrl: string
  caPem: string
}

/** Calls a REST method through the portal's incoming webhook as plain HTTPS JSON (no SDK, no retries). */
export function callHook(portal: PortalAddress, method: string, params: object = {}): Promise<RawResponse> {
  return postJson(`${portal.webhookUrl}${method}`, params, { ca: portal.caPem })
}

/** Calls a REST method the OAuth way: `POST /rest/<method>` with `auth` in the JSON body. */
export function callOAuth(
  portal: PortalAddress,
  method: string,
  accessToken: string,
  params: object = {},
): Promise<RawResponse> {
  return postJson(`${portal.url}/rest/${method}`, { ...params, auth: accessToken }, { ca: portal.caPem })
}
