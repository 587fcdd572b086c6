/**
 * The portals of an OAuth app, one per `member_id`, that no event can confuse. An event is attributed to a portal
 * only when its `auth.application_token` matches the one stored for that portal (constant time), or when the
 * configured OAuth server, asked with the event's refresh token, answers that the tokens belong to the portal the
 * event names. The portal's REST endpoint and tokens then come from that answer, never from the event body, so an
 * event can neither move a portal's calls to another host nor hand its tokens to another portal. Records are kept
 * sealed in the state store, so a restart needs no event to reach a portal again.
 */
import type { Logger } from 'pino'
import type { RefreshedGrant } from '../bitrix/oauth-server.js'
import { HttpError } from '../errors.js'
import type { BotEvent } from '../events/types.js'
import { safeEqual } from '../events/verify.js'
import type { BuildPortal, PortalConnection, PortalEntry, PortalRegistry } from '../reads/portal-registry.js'
import { type StateStore, StoreUnavailableError } from '../store/state-store.js'
import { type Live, LivePortals } from './live-portals.js'
import type { TenantRecord, TenantTokens } from './tenant-record.js'
import { tenantRecords } from './tenant-records.js'
import type { TokenBox } from './token-box.js'
import { verifiedRecord } from './verify-portal.js'

/** What the OAuth portals need. */
export interface OAuthTenantsOptions {
  readonly store: StateStore
  readonly box: TokenBox
  /** The refresh grant at the configured OAuth server (the trusted answer). */
  readonly refresh: (refreshToken: string) => Promise<RefreshedGrant>
  /**
   * Builds a portal's client from a trusted record; `onTokens` is told of each token set it starts using, and
   * `latest` answers the tokens a shared store holds now (another replica may have refreshed them).
   */
  readonly connect: (
    record: TenantRecord,
    onTokens: (tokens: TenantTokens) => void,
    latest: () => Promise<TenantTokens | undefined>,
  ) => PortalConnection
  readonly build: BuildPortal
  readonly log: Logger
  /**
   * A portal with nothing pending and no event this long is evicted from memory (default 5 minutes), and reloaded
   * from its stored record on its next event (no OAuth server call); see `live-portals.ts`.
   */
  readonly idleMs?: number
  /** Most portals kept in memory whatever their idle time (default 10,000): a safety net, least recently used first. */
  readonly maxInMemory?: number
  /** Milliseconds since the epoch, for idle times (default `Date.now`). */
  readonly now?: () => number
}

/** The OAuth registry: `admit` before `forEvent`. */
export interface OAuthTenants extends PortalRegistry {
  /** Attributes the event to its portal or rejects it (`HttpError` 400/401/403/503); keeps nothing of a rejected one. */
  admit(event: BotEvent): Promise<void>
  /** The entry of a stored portal, connected from its record; undefined when none (or it no longer opens). */
  restore(memberId: string): PortalEntry | undefined
  /**
   * The portal's entry when `presented` matches its stored application token, else once its refresh token verifies
   * with the OAuth server (then `fresh`, its record replaced); rejects like `admit`.
   */
  attribute(
    memberId: string | undefined,
    presented: string | undefined,
    refreshToken: string | undefined,
  ): Promise<{ entry: PortalEntry; fresh: boolean }>
  /** Marks the portal busy (an event in the pipeline) until the returned function runs: it is not evicted meanwhile. */
  hold(entry: PortalEntry): () => void
  /** Evicts the portals idle past their idle time with nothing pending or in flight; returns how many went. */
  evictIdle(): number
  /**
   * The entry of a portal that is still installed, read again from a shared store first (another replica may have
   * forgotten it); undefined when it is not.
   */
  current(memberId: string): Promise<PortalEntry | undefined>
  /**
   * Keeps in the portal's record that its bot is not registered (`code`, the last refusal) or is (undefined):
   * read again from the store, changed and written back, one change at a time per portal; nothing when the portal
   * is gone. Never rejects.
   */
  markBot(memberId: string, code: string | undefined): Promise<void>
  /** The stored portals whose bot is not registered yet, with the last refusal's code. */
  unregisteredBots(): { readonly memberId: string; readonly code: string }[]
  /**
   * Forgets a portal whose stored application token (read again from a shared store) `presented` matches: its
   * record and stored reads go, then its reads in memory. False when it is not stored; else 401, or 503 when the
   * store is unreachable or the stored record does not open with this process's key.
   */
  forget(memberId: string, presented: string | undefined): Promise<boolean>
}

/** The `member_id` an event names (the bot's tokens', else the envelope's). */
export function claimedPortal(event: BotEvent): string | undefined {
  return event.bot.auth?.memberId ?? event.portal.memberId
}

/** Builds the OAuth portals over the state store. */
export function oauthTenants(options: OAuthTenantsOptions): OAuthTenants {
  const { store, box, log } = options
  const live = new LivePortals({
    idleMs: options.idleMs ?? 300_000,
    log,
    ...(options.maxInMemory === undefined ? {} : { maxInMemory: options.maxInMemory }),
    ...(options.now ? { now: options.now } : {}),
  })
  const verifying = new Map<string, Promise<Live>>()
  /** Each portal's record change in progress (`markBot`), so a portal's changes apply in order. */
  const marking = new Map<string, Promise<void>>()
  const records = tenantRecords({ store, box, log })

  const connect = (record: TenantRecord): Live => {
    const known = live.use(record.memberId)
    if (known !== undefined && known.record.clientEndpoint === record.clientEndpoint) {
      known.record = record
      known.connection.update({ ...tokenAuth(record) })
      return known
    }
    const created = live.add(record.memberId, (now) => {
      const connection = options.connect(
        record,
        (tokens) => {
          // Only the tokens change: the rest (a reinstall's application token included) is the live record's.
          const next = { ...created.record, ...tokens }
          created.record = next
          if (live.peek(record.memberId) === created)
            void records.saveTokens(next.applicationToken, record.memberId, tokens)
        },
        () => records.storedTokens(record.memberId),
      )
      const entry = options.build(record.memberId, connection.port)
      return { record, entry, connection, lastActive: now, busy: 0 }
    })
    log.info({ portal: record.memberId, host: created.connection.port.portal }, 'OAuth portal connected')
    return created
  }

  const known = (memberId: string): Live | undefined => {
    const l = live.use(memberId)
    if (l !== undefined) return l
    const record = records.stored(memberId)
    return record === undefined ? undefined : connect(record)
  }

  /**
   * The portal's trusted record, from memory or the store, without connecting it or counting it as used: an event
   * is looked up by it before it is attributed, and one that fails must neither load nor keep a portal.
   */
  const lookup = (memberId: string): TenantRecord | undefined => live.peek(memberId)?.record ?? records.stored(memberId)

  /** Replicas: the portal's record as another replica may have stored it (installed or reinstalled there). */
  const reloaded = async (memberId: string, current: TenantRecord | undefined): Promise<TenantRecord | undefined> => {
    await store.reloadTenant?.(memberId)
    const record = records.stored(memberId)
    if (record === undefined || record.applicationToken === current?.applicationToken) return current
    return record
  }

  /** The portal of an attributed event: the one in memory when `record` is its own, else connected; used now. */
  const attributed = (record: TenantRecord): Live => {
    const held = live.peek(record.memberId)
    if (held !== undefined && held.record === record) return live.use(record.memberId) ?? held
    return connect(record)
  }

  /** Changes only the bot field of the stored record; the live record follows first, so token saves keep it. */
  const writeBotMark = async (memberId: string, code: string | undefined): Promise<void> => {
    const l = live.peek(memberId)
    if (l !== undefined) l.record = withBotMark(l.record, code)
    const done = await records.change(memberId, (record) =>
      record.botUnregistered === code ? undefined : withBotMark(record, code),
    )
    if (!done)
      log.warn({ portal: memberId }, 'the portal record kept changing: its bot registration state is not stored')
  }

  const markBot = (memberId: string, code: string | undefined): Promise<void> => {
    const run = (marking.get(memberId) ?? Promise.resolve())
      .then(() => writeBotMark(memberId, code))
      .catch((err: unknown) => {
        log.warn({ err, portal: memberId }, 'could not store the bot registration state of the portal')
      })
    marking.set(memberId, run)
    void run.then(() => {
      if (marking.get(memberId) === run) marking.delete(memberId)
    })
    return run
  }

  const verify = async (
    refreshToken: string | undefined,
    claimed: string,
    applicationToken: string | undefined,
  ): Promise<Live> => {
    const record = await verifiedRecord(options.refresh, log, { refreshToken, claimed, applicationToken })
    // Durable before the 200, so an acknowledged install survives a crash.
    await records.save(record)
    const connected = connect(record)
    log.info({ portal: claimed }, 'OAuth portal verified with the OAuth server')
    return connected
  }

  /** The portal's entry once `presented` matches its record or its tokens verify; `fresh` when they had to. */
  const attribute = async (
    claimed: string | undefined,
    presented: string | undefined,
    refreshToken: string | undefined,
  ): Promise<{ entry: PortalEntry; fresh: boolean }> => {
    if (claimed === undefined || claimed === '' || claimed.includes('|')) throw new HttpError('MALFORMED_AUTH')
    const inFlight = verifying.get(claimed)
    if (inFlight !== undefined) await inFlight.catch(() => {})
    // A verified portal's calls use only tokens the OAuth server issued (refreshed when they expire); an event's
    // own tokens are used once, to verify a portal that has no matching record.
    // The portal is connected (and counted as used) only once the event is attributed to it.
    let record = lookup(claimed)
    if (!isApplicationToken(record, presented) && store.reloadTenant) record = await reloaded(claimed, record)
    if (record !== undefined && isApplicationToken(record, presented))
      return { entry: attributed(record).entry, fresh: false }
    const run = verify(refreshToken, claimed, presented)
    verifying.set(claimed, run)
    try {
      return { entry: (await run).entry, fresh: true }
    } finally {
      if (verifying.get(claimed) === run) verifying.delete(claimed)
    }
  }

  return {
    async admit(event) {
      const presented = event.portal.applicationToken ?? event.bot.auth?.applicationToken
      await attribute(claimedPortal(event), presented, event.bot.auth?.refreshToken)
    },
    attribute,
    async forget(memberId, presented) {
      if (memberId === '') return false
      // The record as the shared store holds it now: this replica may never have seen the portal, or hold a copy of
      // an install that was replaced since (a reinstall on another replica).
      await unavailableAs503(store.reloadTenant?.(memberId))
      const record = records.stored(memberId)
      if (record === undefined) {
        if (store.tenant(memberId) !== undefined) throw new HttpError('TOKEN_KEY_MISMATCH')
        // Forgotten already (by another replica): a copy this replica still holds goes too.
        const stale = live.peek(memberId)
        if (stale !== undefined && isApplicationToken(stale.record, presented)) live.remove(memberId)
        return false
      }
      if (!isApplicationToken(record, presented)) throw new HttpError('PORTAL_UNVERIFIED')
      // A bot mark in progress finishes first (it never writes a removed record back).
      await marking.get(memberId)
      // The store first: if it fails (503, the uninstall is sent again), the portal keeps its reads in memory too.
      await unavailableAs503(store.removeTenant(memberId))
      live.remove(memberId)
      records.forgetUnopened(memberId)
      log.info({ portal: memberId }, 'OAuth portal forgotten: the app was uninstalled')
      return true
    },
    forEvent(event) {
      const claimed = claimedPortal(event)
      return claimed === undefined ? undefined : live.peek(claimed)?.entry
    },
    entries: () => live.entries(),
    restore: (memberId) => known(memberId)?.entry,
    async current(memberId) {
      await store.reloadTenant?.(memberId).catch(() => {})
      return records.stored(memberId) === undefined ? undefined : known(memberId)?.entry
    },
    markBot,
    unregisteredBots: () =>
      store.tenantIds().flatMap((memberId) => {
        const code = records.stored(memberId)?.botUnregistered
        return code === undefined ? [] : [{ memberId, code }]
      }),
    hold: (entry) => live.hold(entry),
    evictIdle: () => live.evictIdle(),
  }
}

/** Waits for a store call; the store being unreachable answers 503 `STORE_UNAVAILABLE` (the event is sent again). */
async function unavailableAs503(call: Promise<void> | undefined): Promise<void> {
  try {
    await call
  } catch (err) {
    throw err instanceof StoreUnavailableError ? new HttpError('STORE_UNAVAILABLE', { cause: err }) : err
  }
}

/** Whether `presented` is the record's application token (constant time); an empty stored one never matches. */
function isApplicationToken(record: TenantRecord | undefined, presented: string | undefined): boolean {
  return (
    record !== undefined &&
    presented !== undefined &&
    record.applicationToken !== '' &&
    safeEqual(presented, record.applicationToken)
  )
}

/** A record's tokens in the shape a connection adopts. */
function tokenAuth(record: TenantRecord) {
  return {
    accessToken: record.accessToken,
    refreshToken: record.refreshToken,
    expires: record.expires,
    clientEndpoint: record.clientEndpoint,
    serverEndpoint: undefined,
    memberId: record.memberId,
    domain: undefined,
    userId: undefined,
    scope: undefined,
    status: undefined,
    applicationToken: undefined,
  }
}

/** The record with the bot marked unregistered (`code`, the last refusal) or registered (undefined). */
function withBotMark(record: TenantRecord, code: string | undefined): TenantRecord {
  const { botUnregistered: _, ...rest } = record
  return code === undefined ? rest : { ...rest, botUnregistered: code }
}
