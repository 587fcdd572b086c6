/** The real SDK pointed at a simulated portal, with TLS verification on against the portal's certificate. */
import https from 'node:https'
import { ApiVersion, B24Hook, ParamsFactory } from '@bitrix24/b24jssdk'
import type { Portal } from '../../src/index.js'

/** A `B24Hook` on the portal's incoming-webhook URL that trusts its CA and retries at most once. */
export function sdkHook(portal: Portal): B24Hook {
  const b24 = B24Hook.fromWebhookUrl(portal.webhookUrl, {
    restrictionParams: { ...ParamsFactory.getDefault(), maxRetries: 1 },
  })
  b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = new https.Agent({ ca: portal.caPem })
  return b24
}
