/** What every CLI command gets: its environment, its output and a way to call the portal of `B24_WEBHOOK_URL`. */
import type { BitrixPort } from '../bitrix/port.js'
import type { SecretScrubber } from '../observability/logger.js'
import { gatedCall } from '../reads/gated-call.js'
import type { PortalGate } from '../reads/portal-gate.js'
import { type CliIo, portalError } from './io.js'

/** The environment variables the CLI reads. */
export type CliEnv = Readonly<Record<string, string | undefined>>

/** A connection to the portal, built on first use (so `--help` needs no environment). */
export interface PortalClient {
  readonly port: BitrixPort
  readonly gate: PortalGate
}

/** A command's view of the world. */
export interface CliContext {
  readonly env: CliEnv
  readonly io: CliIo
  readonly json: boolean
  /** Replaces every known secret in `text` (for anything printed outside the `register` env lines). */
  readonly scrubber: SecretScrubber
  /** Calls `method` once through the gate (retrying rate limits); resolves with the result or throws a `CliFailure`. */
  call<T>(method: string, params: Record<string, unknown>, options: { idempotent: boolean }): Promise<T>
  /** Prints a success: one JSON object with `--json`, otherwise the text lines. */
  done(command: string, result: Record<string, unknown>, lines: readonly string[]): void
}

/** Builds the context; `connect` throws a `CliFailure` when the environment cannot describe a portal. */
export function cliContext(options: {
  env: CliEnv
  io: CliIo
  json: boolean
  scrubber: SecretScrubber
  connect: () => PortalClient
}): CliContext {
  let client: PortalClient | undefined
  return {
    env: options.env,
    io: options.io,
    json: options.json,
    scrubber: options.scrubber,
    async call<T>(method: string, params: Record<string, unknown>, callOptions: { idempotent: boolean }) {
      client ??= options.connect()
      const outcome = await gatedCall<T>(client.gate, client.port, { method, params }, { ...callOptions, attempts: 3 })
      if (outcome.ok) return outcome.result
      throw portalError({ ...outcome.error, message: options.scrubber.scrub(outcome.error.message) })
    },
    done(command, result, lines) {
      if (options.json) options.io.out(`${JSON.stringify({ ok: true, command, ...result })}\n`)
      else for (const line of lines) options.io.out(`${line}\n`)
    },
  }
}
