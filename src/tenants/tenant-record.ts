/**
 * What the service keeps of one OAuth portal: its `member_id`, the REST endpoint the OAuth server named for it,
 * the `application_token` its events must present, and its current tokens. Stored sealed (see `token-box.ts`).
 */

/** One portal's current tokens. */
export interface TenantTokens {
  readonly accessToken: string
  readonly refreshToken: string
  /** Unix seconds. */
  readonly expires: number
}

/** One OAuth portal of the app. */
export interface TenantRecord extends TenantTokens {
  readonly memberId: string
  /** From the OAuth server's answer only, never from an event. */
  readonly clientEndpoint: string
  /** The `auth.application_token` of the install; events of this portal must present it. */
  readonly applicationToken: string
  /**
   * The code of the last refusal while the bot is not yet registered on the portal (retried, also after a restart);
   * absent once it is registered. Records written before this field existed decode as registered.
   */
  readonly botUnregistered?: string
}

/** The record as JSON. */
export function encodeTenant(record: TenantRecord): string {
  return JSON.stringify(record)
}

/** A record read back, undefined when it does not have the expected shape. */
export function decodeTenant(text: string): TenantRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const field = (name: string): unknown => Reflect.get(value, name)
  const str = (name: string): string | undefined => {
    const v = field(name)
    return typeof v === 'string' ? v : undefined
  }
  const memberId = str('memberId')
  const clientEndpoint = str('clientEndpoint')
  const applicationToken = str('applicationToken')
  const accessToken = str('accessToken')
  const refreshToken = str('refreshToken')
  const expires = field('expires')
  if (
    memberId === undefined ||
    clientEndpoint === undefined ||
    applicationToken === undefined ||
    accessToken === undefined ||
    refreshToken === undefined ||
    typeof expires !== 'number'
  ) {
    return undefined
  }
  const botUnregistered = str('botUnregistered')
  const record = { memberId, clientEndpoint, applicationToken, accessToken, refreshToken, expires }
  return botUnregistered === undefined ? record : { ...record, botUnregistered }
}
