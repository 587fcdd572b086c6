/** The incoming-webhook URL `https://portal/rest/<userId>/<secret>/`: its check, and its secret for scrubbing logs. */

const HOOK_PATH = /^\/rest\/(?:api\/)?(\d+)\/([^/]+)\/?$/

/** Says what is wrong with an incoming-webhook URL, without repeating its secret; undefined when it is fine. */
export function checkWebhookUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a valid URL'
  }
  if (url.protocol !== 'https:') return 'must use https:// (Bitrix24 and the SDK require it)'
  if (!HOOK_PATH.test(url.pathname)) return 'must look like https://<portal>/rest/<userId>/<secret>/'
  return undefined
}

/** The secret path segment of an incoming-webhook URL, so logs can scrub it. */
export function webhookSecretOf(webhookUrl: string): string | undefined {
  try {
    return HOOK_PATH.exec(new URL(webhookUrl).pathname)?.[2]
  } catch {
    return undefined
  }
}
