/** A simulated portal with one webhook bot, its CA written to a temp dir, and the env that points a child service at it. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Portal, startPortal } from './portal/index.js'

/** What a child-process test needs: the portal, a temp dir (CA file, `state/`), the bot and the base env. */
export interface ChildWorld {
  readonly portal: Portal
  readonly dir: string
  readonly botId: number
  readonly env: Record<string, string>
}

/** Starts the portal, registers the bot with `secrets`, and builds the env for `startService` (plus `extraEnv`). */
export async function startChildWorld(
  portalOptions: Parameters<typeof startPortal>[0],
  secrets: { readonly botToken: string; readonly applicationToken: string },
  dirPrefix: string,
  extraEnv: Record<string, string> = {},
): Promise<ChildWorld> {
  const portal = await startPortal(portalOptions)
  const dir = mkdtempSync(join(tmpdir(), dirPrefix))
  writeFileSync(join(dir, 'ca.pem'), portal.caPem)
  const botId = portal.addBot({
    code: 'autoread',
    botToken: secrets.botToken,
    eventMode: 'webhook',
    webhookUrl: 'https://example.invalid/hook',
    applicationToken: secrets.applicationToken,
  }).id
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    B24_WEBHOOK_URL: portal.webhookUrl,
    B24_BOT_ID: String(botId),
    B24_BOT_TOKEN: secrets.botToken,
    B24_APPLICATION_TOKEN: secrets.applicationToken,
    B24_CA_FILE: join(dir, 'ca.pem'),
    STATE_DIR: join(dir, 'state'),
    ...extraEnv,
  }
  return { portal, dir, botId, env }
}
