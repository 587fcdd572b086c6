#!/usr/bin/env node
/**
 * The `b24-autoread` command line and its composition root: reads the environment, builds the SDK port for
 * `B24_WEBHOOK_URL` through the adapter (trusting `B24_CA_FILE`), and runs one command. Tests call `main()`.
 */
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { createWebhookPort } from '../bitrix/b24-adapter.js'
import { checkWebhookUrl, webhookSecretOf } from '../config.js'
import { isMainModule } from '../is-main.js'
import { createLogger, SecretScrubber } from '../observability/logger.js'
import { PortalGate } from '../reads/portal-gate.js'
import { info } from './commands/info.js'
import { pending } from './commands/pending.js'
import { read } from './commands/read.js'
import { register } from './commands/register.js'
import { unregister } from './commands/unregister.js'
import { type CliContext, type CliEnv, cliContext, type PortalClient } from './context.js'
import { CliFailure, type CliIo, EXIT, printFailure, usageError } from './io.js'
import { COMMAND_USAGE, MAIN_USAGE } from './usage.js'

/** The commands by name. */
const COMMANDS: Readonly<Record<string, (args: readonly string[], ctx: CliContext) => Promise<void>>> = {
  register,
  unregister,
  info,
  read,
  pending,
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code; never throws. */
export async function main(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  let json = false
  let help = false
  let i = 0
  for (; i < argv.length && argv[i]?.startsWith('-'); i++) {
    const flag = argv[i]
    if (flag === '--json') json = true
    else if (flag === '--help' || flag === '-h') help = true
    else if (flag === '--version') {
      io.out(`${version()}\n`)
      return EXIT.ok
    } else {
      printFailure(io, 'b24-autoread', usageError(`unknown option ${flag} before the command`), json)
      return EXIT.usage
    }
  }
  const name = argv[i]
  const rest = argv.slice(i + 1)
  json ||= rest.includes('--json')
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined
    const text = topic !== undefined ? COMMAND_USAGE[topic] : MAIN_USAGE
    if (text === undefined) return fail(io, 'help', usageError(`no command "${topic}"`), json)
    if (name === undefined && !help) {
      io.err(MAIN_USAGE)
      return EXIT.usage
    }
    io.out(text)
    return EXIT.ok
  }
  const command = COMMANDS[name]
  if (command === undefined) return fail(io, name, usageError(`no command "${name}"`), json)
  if (help || rest.includes('--help') || rest.includes('-h')) {
    io.out(COMMAND_USAGE[name] ?? MAIN_USAGE)
    return EXIT.ok
  }

  const scrubber = new SecretScrubber()
  for (const secret of [env.B24_BOT_TOKEN, env.B24_EVENTS_SECRET]) scrubber.add(secret, true)
  let gate: PortalGate | undefined
  const connect = (): PortalClient => {
    const client = connectPortal(env, scrubber)
    gate = client.gate
    return client
  }
  try {
    await command(rest, cliContext({ env, io, json, scrubber, connect }))
    return EXIT.ok
  } catch (err) {
    const failure =
      err instanceof CliFailure
        ? err
        : new CliFailure(EXIT.portal, 'UNEXPECTED', scrubber.scrub(err instanceof Error ? err.message : String(err)))
    return fail(io, name, failure, json)
  } finally {
    gate?.close()
  }
}

function fail(io: CliIo, command: string, failure: CliFailure, json: boolean): number {
  printFailure(io, command, failure, json)
  return failure.exit
}

/** Builds the port and gate for `B24_WEBHOOK_URL`; an unusable environment is a configuration failure. */
function connectPortal(env: CliEnv, scrubber: SecretScrubber): PortalClient {
  const webhookUrl = env.B24_WEBHOOK_URL?.trim()
  if (webhookUrl === undefined || webhookUrl === '') {
    throw new CliFailure(EXIT.config, 'CONFIG_INVALID', 'B24_WEBHOOK_URL is not set', {
      action: 'create an incoming webhook with the imbot scope in Bitrix24 and export its URL as B24_WEBHOOK_URL',
    })
  }
  const reason = checkWebhookUrl(webhookUrl)
  if (reason !== undefined) throw new CliFailure(EXIT.config, 'CONFIG_INVALID', `B24_WEBHOOK_URL ${reason}`)
  scrubber.add(webhookSecretOf(webhookUrl), true)
  const caFile = env.B24_CA_FILE?.trim()
  let ca: string | undefined
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8')
    } catch (err) {
      const code = (err as { code?: unknown }).code
      throw new CliFailure(EXIT.config, 'CONFIG_INVALID', `B24_CA_FILE cannot be read (${String(code ?? err)})`)
    }
  }
  // Log lines only on request (LOG_LEVEL): the SDK's warnings would otherwise come on top of the CLI's own message.
  const level = env.LOG_LEVEL?.trim()
  const log = createLogger({
    level: level || 'silent',
    scrubber,
    destination: level ? pino.destination({ dest: 2, sync: true }) : { write: () => {} },
  })
  const port = createWebhookPort({ webhookUrl, timeoutMs: 15_000, log, ...(ca ? { ca } : {}) })
  return { port, gate: new PortalGate({ burst: 50, perSec: 2, maxInFlight: 2 }) }
}

/** The package version, read from package.json next to `dist/` (or `src/`). */
function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined
    return typeof v === 'string' ? v : 'unknown'
  } catch {
    return 'unknown'
  }
}

if (isMainModule(import.meta.url)) {
  const io: CliIo = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) }
  void main(process.argv.slice(2), process.env, io).then((code) => {
    process.exitCode = code
  })
}
