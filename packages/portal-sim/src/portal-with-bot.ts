/**
 * A portal made ready for a b24-autoread service to talk to: its certificate written to a CA file, a bot registered,
 * and the service's environment for them. The variable names are the service's documented settings, written here as
 * plain strings: this package imports nothing from the service.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Portal, startPortal } from './portal.js'
import type { AddBotSpec, PortalOptions, SimBot } from './types.js'

/** A running portal whose certificate is in `caFile`, inside a temp directory that `close` removes. */
export interface PortalWithCaFile {
  readonly portal: Portal
  /** A fresh temp directory: the CA file, and room for the service's `STATE_DIR` (`<dir>/state`). */
  readonly dir: string
  /** The portal's self-signed certificate as PEM, for `B24_CA_FILE`. */
  readonly caFile: string
  /** Closes the portal and removes `dir`. */
  close(): Promise<void>
}

/** Options of `startPortalWithCaFile`. */
export interface PortalWithCaFileOptions {
  readonly portal?: PortalOptions
  /** Prefix of the temp directory's name (default `b24-portal-sim-`). */
  readonly dirPrefix?: string
}

/** Starts a portal and writes its certificate to `<temp dir>/ca.pem`. */
export async function startPortalWithCaFile(options: PortalWithCaFileOptions = {}): Promise<PortalWithCaFile> {
  const portal = await startPortal(options.portal)
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'b24-portal-sim-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, portal.caPem)
  return {
    portal,
    dir,
    caFile,
    async close() {
      await portal.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A portal with one bot, and the environment that points a b24-autoread service at both. */
export interface PortalWithBot extends PortalWithCaFile {
  readonly bot: SimBot
  /** `<dir>/state`, the service's `STATE_DIR` (not created: the service makes it). */
  readonly stateDir: string
  /**
   * `PORT=0`, `HOST=127.0.0.1`, `B24_WEBHOOK_URL`, `B24_EVENT_MODE`, `B24_BOT_ID`, `B24_BOT_TOKEN`,
   * `B24_APPLICATION_TOKEN` (webhook-mode bots), `B24_CA_FILE` and `STATE_DIR=<dir>/state`; spread your own over it.
   */
  readonly env: Readonly<Record<string, string>>
}

/** Options of `startPortalWithBot`. */
export interface PortalWithBotOptions extends PortalWithCaFileOptions {
  /**
   * The bot, over the defaults: code `autoread`, a random `botToken`, `eventMode: 'webhook'` and (for webhook bots)
   * a `webhookUrl` that nothing listens on; events reach the service because the caller delivers them to its URL.
   */
  readonly bot?: Partial<AddBotSpec>
}

/** Starts a portal, writes its CA file, registers a bot, and builds the service's environment for them. */
export async function startPortalWithBot(options: PortalWithBotOptions = {}): Promise<PortalWithBot> {
  const started = await startPortalWithCaFile(options)
  const { portal, dir, caFile } = started
  const eventMode = options.bot?.eventMode ?? 'webhook'
  const botToken = options.bot?.botToken ?? randomBytes(12).toString('hex')
  const bot = portal.addBot({
    code: 'autoread',
    ...(eventMode === 'webhook' ? { webhookUrl: 'https://example.invalid/hook' } : {}),
    ...options.bot,
    botToken,
    eventMode,
  })
  const stateDir = join(dir, 'state')
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    B24_WEBHOOK_URL: portal.webhookUrl,
    B24_EVENT_MODE: eventMode,
    B24_BOT_ID: String(bot.id),
    B24_BOT_TOKEN: botToken,
    ...(eventMode === 'webhook' ? { B24_APPLICATION_TOKEN: bot.applicationToken } : {}),
    B24_CA_FILE: caFile,
    STATE_DIR: stateDir,
  }
  return { ...started, bot, stateDir, env }
}
