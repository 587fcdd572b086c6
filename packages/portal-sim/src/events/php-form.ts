/**
 * PHP `urlencode` (RFC 1738): keeps `[A-Za-z0-9_.-]`, turns spaces into `+`, percent-encodes every other UTF-8 byte.
 * This is how Bitrix24 (`http_build_query`) encodes keys and values of webhook bodies.
 */
export function phpUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

/**
 * Encodes an object exactly like PHP `http_build_query($data)` with the default RFC 1738 encoding:
 * nested keys as `a[b][c]`, lists as `a[0]`, `true`/`false` as `1`/`0`, numbers as strings,
 * and `null`/`undefined`/empty arrays/empty objects omitted (PHP drops them).
 */
export function phpHttpBuildQuery(data: object): string {
  const pairs: string[] = []
  for (const [key, value] of Object.entries(data)) {
    appendPairs(pairs, phpUrlEncode(key), value)
  }
  return pairs.join('&')
}

function appendPairs(pairs: string[], encodedKey: string, value: unknown): void {
  if (value === null || value === undefined) return
  if (typeof value === 'object') {
    for (const [childKey, child] of Object.entries(value)) {
      appendPairs(pairs, `${encodedKey}%5B${phpUrlEncode(childKey)}%5D`, child)
    }
    return
  }
  pairs.push(`${encodedKey}=${phpUrlEncode(scalarToString(value))}`)
}

function scalarToString(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'boolean':
      return value ? '1' : '0'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`http_build_query: cannot encode ${value}`)
      return String(value)
    case 'bigint':
      return value.toString()
    default:
      throw new TypeError(`http_build_query: cannot encode a ${typeof value}`)
  }
}
