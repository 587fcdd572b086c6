/** Runs the CLI in-process through `main(argv, env, io)` and captures what it prints. */
import { type Portal, startPortalWithCaFile } from '@b24-autoread/portal-sim'
import { main } from '../../src/cli/main.js'

/** One CLI run: exit code, stdout, stderr. */
export interface CliRun {
  readonly code: number
  readonly out: string
  readonly err: string
  /** stdout parsed as JSON (for `--json` runs). */
  json(): Record<string, unknown>
}

/** Runs `b24-autoread <argv>` with `env`. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined>): Promise<CliRun> {
  let out = ''
  let err = ''
  const code = await main(argv, env, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> }
}

/** A simulated portal and the environment that points the CLI at it. */
export interface CliWorld {
  readonly portal: Portal
  readonly env: Record<string, string>
  readonly caFile: string
  close(): Promise<void>
}

/** Starts a portal (with a generous bucket: the CLI's gate keeps the real limits) and writes its CA file. */
export async function startCliWorld(): Promise<CliWorld> {
  const { portal, caFile, close } = await startPortalWithCaFile({ dirPrefix: 'b24-cli-' })
  return { portal, caFile, env: { B24_WEBHOOK_URL: portal.webhookUrl, B24_CA_FILE: caFile }, close }
}

/** The `KEY=value` lines of a run's stdout. */
export function envLines(out: string): Record<string, string> {
  const lines: Record<string, string> = {}
  for (const line of out.split('\n')) {
    const m = /^(B24_[A-Z_]+)=(.*)$/.exec(line)
    if (m?.[1] !== undefined && m[2] !== undefined) lines[m[1]] = m[2]
  }
  return lines
}
