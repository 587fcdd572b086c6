/** Command-line parsing with Node's `util.parseArgs` (strict), and the bot identity most commands need. */
import { parseArgs } from 'node:util'
import type { CliEnv } from './context.js'
import { usageError } from './io.js'

/** Options every command accepts. */
const COMMON = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Parses a command's string options strictly (plus `--json` and `--help`); a bad command line is a usage error. */
export function parseCommandArgs<K extends string>(
  args: readonly string[],
  options: Readonly<Record<K, { readonly type: 'string' }>>,
): { [P in K]?: string } {
  let values: Record<string, unknown>
  try {
    values = parseArgs({
      args: [...args],
      options: { ...COMMON, ...options },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    throw usageError(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err))
  }
  const out: { [P in K]?: string } = {}
  for (const key of Object.keys(options) as K[]) {
    const value = values[key]
    if (typeof value === 'string') out[key] = value
  }
  return out
}

/** The bot a command acts on: `--bot-id` or B24_BOT_ID, and `--token` or B24_BOT_TOKEN. */
export function botIdentity(
  values: { 'bot-id'?: string | undefined; token?: string | undefined },
  env: CliEnv,
): { botId: number; botToken: string } {
  const rawId = values['bot-id'] ?? env.B24_BOT_ID?.trim()
  if (rawId === undefined || rawId === '') throw usageError('the bot id is missing: set B24_BOT_ID or pass --bot-id')
  if (!/^[1-9]\d{0,15}$/.test(rawId)) throw usageError(`the bot id must be a positive integer (got "${rawId}")`)
  const botToken = values.token ?? env.B24_BOT_TOKEN?.trim()
  if (botToken === undefined || botToken === '') {
    throw usageError('the bot token is missing: set B24_BOT_TOKEN or pass --token')
  }
  return { botId: Number(rawId), botToken }
}
