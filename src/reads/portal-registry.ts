/**
 * Which portal an event's calls go to. Each portal has its own port, gate (the one scheduler of its requests) and
 * read scheduler. Webhook auth serves one portal; an OAuth app serves every portal that sends it events, keyed by
 * `member_id` and attributed only once verified (see `tenants/oauth-tenants.ts`).
 */
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

/** A portal where the app is installed but its bot is not registered (OAuth mode): the refusal and what to do. */
export interface InstallIssue {
  readonly portal: string
  readonly code: string
  readonly attempts: number
  readonly advice: string
}

/** Finds (and for OAuth apps creates) the portal of an event. */
export interface PortalRegistry {
  /** The portal serving `event`, updated with its tokens; undefined when no portal can serve it yet. */
  forEvent(event: BotEvent): PortalEntry | undefined
  /** Every portal known so far. */
  entries(): readonly PortalEntry[]
  /**
   * Checks an event before anything is kept of it; rejects with a 4xx/503 `HttpError`. OAuth mode: attributes it to
   * its portal. Webhook mode with `im.dialog.read`: takes the bot's own tokens from it (or refuses it without them).
   */
  admit?(event: BotEvent): Promise<void>
  /** OAuth mode: handles `ONAPPINSTALL` / `ONAPPUNINSTALL` (undefined for any other body). */
  appEvent?(body: unknown): Promise<{ readonly outcome: 'accepted' | 'duplicate' }> | undefined
  /** OAuth mode: the entry of a portal known only to the state store (after a restart), connected from its record. */
  restore?(portal: string): PortalEntry | undefined
  /** OAuth mode: portals installed without their bot (its registration is retried in the background). */
  installIssues?(): readonly InstallIssue[]
  /** Stops background work (registration retries); called at shutdown. */
  stop?(): void
  /** OAuth mode: marks the portal busy (an event in the pipeline, never evicted) until the returned function runs. */
  hold?(entry: PortalEntry): () => void
  /** OAuth mode: evicts the portals idle past `OAUTH_PORTAL_IDLE_MS` with nothing pending; returns how many went. */
  evictIdle?(): number
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
