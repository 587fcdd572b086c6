/**
 * Which portal an event's calls go to. Each portal has its own port, gate (the one scheduler of its requests) and
 * read scheduler. Webhook auth serves one portal; an OAuth app serves every portal that sends it events, keyed by
 * `member_id`, with the client built from the first tokens an event carries and refreshed by later ones.
 */
import type { Logger } from 'pino'
import type { BitrixPort } from '../bitrix/port.js'
import type { BotEvent, EventAuth } from '../events/types.js'
import type { GateSnapshot, PortalGate } from './portal-gate.js'
import type { ReadScheduler } from './read-scheduler.js'

/** One portal's outbound side. */
export interface PortalEntry {
  /** `member_id` (OAuth) or the webhook portal's host. */
  readonly key: string
  readonly port: BitrixPort
  readonly gate: PortalGate
  readonly reads: ReadScheduler
}

/** Finds (and for OAuth apps creates) the portal of an event. */
export interface PortalRegistry {
  /** The portal serving `event`, updated with its tokens; undefined when no portal can serve it yet. */
  forEvent(event: BotEvent): PortalEntry | undefined
  /** Every portal known so far. */
  entries(): readonly PortalEntry[]
}

/** Builds one portal's entry (gate and read scheduler) around its port; see `portal-entry.ts`. */
export type BuildPortal = (key: string, port: BitrixPort) => PortalEntry

/** Where a service's portals come from: given how to build an entry, the registry (one portal, or OAuth portals). */
export type PortalSource = (build: BuildPortal) => PortalRegistry

/** The registry of a webhook-auth deployment: every event goes to its one portal. */
export function singlePortal(entry: PortalEntry): PortalRegistry {
  const all = [entry]
  return { forEvent: () => entry, entries: () => all }
}

/** The source of a webhook-auth deployment: its one portal behind `port`, keyed by the portal's host. */
export function onePortal(port: BitrixPort): PortalSource {
  return (build) => singlePortal(build(port.portal, port))
}

/** A portal's client and a way to hand it newer tokens (see `b24-oauth-adapter.ts`). */
export interface PortalConnection {
  readonly port: BitrixPort
  update(auth: EventAuth): void
}

/** What an OAuth registry needs. */
export interface OAuthRegistryOptions {
  /** Builds a portal's client from an event's tokens; undefined when they cannot build one. */
  readonly connect: (auth: EventAuth) => PortalConnection | undefined
  /** Builds the gate and read scheduler around a new portal's port. */
  readonly build: BuildPortal
  readonly log: Logger
}

/** The portal key of an event: `member_id` of the bot's tokens or of the envelope, else the domain. */
export function portalKeyOf(event: BotEvent): string | undefined {
  const auth = event.bot.auth
  return auth?.memberId ?? event.portal.memberId ?? auth?.domain ?? event.portal.domain
}

/** The registry of an OAuth app: one portal per `member_id`, created on the first event with usable tokens. */
export function oauthPortals(options: OAuthRegistryOptions): PortalRegistry {
  const byKey = new Map<string, { entry: PortalEntry; connection: PortalConnection }>()
  const warned = new Set<string>()
  return {
    forEvent(event) {
      const key = portalKeyOf(event)
      if (key === undefined) return undefined
      const auth = event.bot.auth
      const known = byKey.get(key)
      if (known) {
        if (auth !== undefined) known.connection.update(auth)
        return known.entry
      }
      const connection = auth === undefined ? undefined : options.connect(auth)
      if (connection === undefined) {
        if (!warned.has(key)) {
          warned.add(key)
          options.log.warn({ portal: key }, 'no usable OAuth tokens for this portal yet: its reads are skipped')
        }
        return undefined
      }
      const entry = options.build(key, connection.port)
      byKey.set(key, { entry, connection })
      warned.delete(key)
      options.log.info({ portal: key, host: connection.port.portal }, 'OAuth portal connected')
      return entry
    },
    entries: () => [...byKey.values()].map((v) => v.entry),
  }
}

/** The gates of every portal as one snapshot (sums, the longest cooldown, any overload), for the limiter gauges. */
export function combinedSnapshot(entries: readonly PortalEntry[]): GateSnapshot {
  const all = entries.map((e) => e.gate.snapshot())
  return {
    tokens: all.reduce((n, s) => n + s.tokens, 0),
    inFlight: all.reduce((n, s) => n + s.inFlight, 0),
    waiting: all.reduce((n, s) => n + s.waiting, 0),
    cooldownMs: Math.max(0, ...all.map((s) => s.cooldownMs)),
    overloaded: all.some((s) => s.overloaded),
    heldMethods: [...new Set(all.flatMap((s) => s.heldMethods))],
  }
}

/** A readiness check over every portal: failing only when every known portal fails `check` (one portal is all of them). */
export function everyPortal(
  registry: PortalRegistry,
  check: (entry: PortalEntry) => string | undefined,
): () => string | undefined {
  return () => {
    const entries = registry.entries()
    const reasons = entries.map(check)
    if (entries.length === 0 || reasons.some((r) => r === undefined)) return undefined
    return entries.length === 1 ? reasons[0] : `every portal (${entries.length}): ${reasons[0]}`
  }
}
