import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ERROR_HELP } from '../../src/cli/error-help.js'
import { type CliWorld, runCli, startCliWorld } from '../support/cli-run.js'

const TOKEN = 'cli-bot-token-7e21c0'

let world: CliWorld
let botId: number
let env: Record<string, string>
beforeEach(async () => {
  world = await startCliWorld()
  botId = world.portal.addBot({ code: 'cli_bot', botToken: TOKEN, name: 'Cli Bot' }).id
  env = { ...world.env, B24_BOT_ID: String(botId), B24_BOT_TOKEN: TOKEN }
})
afterEach(async () => {
  await world.close()
})

/** Asserts no secret is in what a run printed. */
function noSecrets(run: { out: string; err: string }): void {
  for (const secret of [TOKEN, world.portal.webhookSecret]) {
    expect(run.out).not.toContain(secret)
    expect(run.err).not.toContain(secret)
  }
}

describe('b24-autoread info', () => {
  it('shows the bot from imbot.v2.Bot.get, as text and as JSON', async () => {
    const text = await runCli(['info'], env)
    expect(text.code).toBe(0)
    expect(text.out).toContain(`id: ${botId}\ncode: cli_bot\nname: Cli Bot\n`)
    const json = await runCli(['info', '--json'], env)
    expect(json.json()).toMatchObject({ ok: true, command: 'info', bot: { id: botId, code: 'cli_bot', type: 'bot' } })
    const byCode = await runCli(['info', '--code', 'cli_bot', '--json'], world.env)
    expect(byCode.json()).toMatchObject({ bot: { id: botId } })
    noSecrets(text)
    noSecrets(json)
  })

  it('explains BOT_NOT_FOUND (exit 1) and a missing bot id (exit 2)', async () => {
    const missing = await runCli(['info', '--bot-id', '999999'], env)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain(`BOT_NOT_FOUND: ${ERROR_HELP.BOT_NOT_FOUND?.meaning}`)
    const usage = await runCli(['info'], world.env)
    expect(usage.code).toBe(2)
    expect(usage.err).toContain('set B24_BOT_ID or pass --bot-id')
  })
})

describe('b24-autoread read', () => {
  it('marks a dialog read up to a message, then the whole dialog', async () => {
    const first = world.portal.userSends({ botId, dialogId: 'chat5', text: 'one' })
    const second = world.portal.userSends({ botId, dialogId: 'chat5', text: 'two' })
    const upTo = await runCli(['read', '--dialog', 'chat5', '--message', String(first.messageId)], env)
    expect(upTo.code).toBe(0)
    expect(upTo.out).toBe(
      `Dialog chat5 read up to message ${first.messageId} (imbot.v2.Chat.Message.read); 1 unread left.\n`,
    )
    expect(world.portal.readState(botId, 'chat5')).toEqual({ lastReadId: first.messageId, unread: 1 })
    const all = await runCli(['read', '--dialog', 'chat5', '--json'], env)
    expect(all.json()).toMatchObject({ ok: true, result: { lastId: second.messageId, counter: 0 } })
    const call = world.portal.requests.filter((r) => r.method === 'imbot.v2.Chat.Message.read').at(-1)
    expect(call?.body).toEqual({ botId, botToken: TOKEN, dialogId: 'chat5' })
    noSecrets(upTo)
  })

  it('explains the read errors: BOT_OWNERSHIP_ERROR, ACCESS_DENIED, MESSAGE_NOT_FOUND', async () => {
    world.portal.userSends({ botId, dialogId: 'chat5' })
    const owner = await runCli(['read', '--dialog', 'chat5'], { ...env, B24_BOT_TOKEN: 'wrong-token-for-this-bot' })
    expect(owner.code).toBe(1)
    expect(owner.err).toContain(`BOT_OWNERSHIP_ERROR: ${ERROR_HELP.BOT_OWNERSHIP_ERROR?.meaning}`)
    expect(owner.err).not.toContain('wrong-token-for-this-bot')
    const denied = await runCli(['read', '--dialog', 'chat999', '--json'], env)
    expect(denied.json()).toMatchObject({ ok: false, error: { code: 'ACCESS_DENIED', status: 403 } })
    const gone = await runCli(['read', '--dialog', 'chat5', '--message', '987654'], env)
    expect(gone.code).toBe(1)
    expect(gone.err).toContain('MESSAGE_NOT_FOUND')
    const usage = await runCli(['read', '--dialog', 'room5'], env)
    expect(usage.code).toBe(2)
  })

  it('reads as the webhook user with --method im.dialog.read, and explains a dialog the user is not in', async () => {
    world.portal.userSends({ botId, dialogId: 'chat9', authorId: world.portal.webhookUserId })
    const other = world.portal.userSends({ botId, dialogId: 'chat9', authorId: 42 })
    const run = await runCli(['read', '--dialog', 'chat9', '--method', 'im.dialog.read'], world.env)
    expect(run.code).toBe(0)
    expect(world.portal.readState(world.portal.webhookUserId, 'chat9')).toEqual({
      lastReadId: other.messageId,
      unread: 0,
    })
    expect(world.portal.requests.at(-1)?.body).toEqual({ DIALOG_ID: 'chat9' })
    world.portal.userSends({ botId, dialogId: 'chat10', authorId: 42 })
    const denied = await runCli(['read', '--dialog', 'chat10'], { ...world.env, B24_READ_METHOD: 'im.dialog.read' })
    expect(denied.code).toBe(1)
    expect(denied.err).toContain('ACCESS_DENIED')
  })
})

describe('b24-autoread unregister', () => {
  it('deletes the bot, and explains BOT_NOT_FOUND the second time', async () => {
    const run = await runCli(['unregister'], env)
    expect(run.code).toBe(0)
    expect(run.out).toContain(`Unregistered bot ${botId}`)
    expect(world.portal.getBot(botId)).toBeUndefined()
    const again = await runCli(['unregister', '--json'], env)
    expect(again.code).toBe(1)
    expect(again.json()).toMatchObject({ ok: false, command: 'unregister', error: { code: 'BOT_NOT_FOUND' } })
  })
})

describe('b24-autoread environment and usage', () => {
  it('exits 3 for an unusable environment, without echoing the webhook secret', async () => {
    const none = await runCli(['info'], { B24_BOT_ID: '1', B24_BOT_TOKEN: TOKEN })
    expect(none.code).toBe(3)
    expect(none.err).toContain('B24_WEBHOOK_URL is not set')
    const http = await runCli(['info'], { ...env, B24_WEBHOOK_URL: world.portal.webhookUrl.replace('https', 'http') })
    expect(http.code).toBe(3)
    expect(http.err).toContain('must use https://')
    const ca = await runCli(['info'], { ...env, B24_CA_FILE: '/nonexistent/ca.pem' })
    expect(ca.code).toBe(3)
    expect(ca.err).toContain('B24_CA_FILE cannot be read (ENOENT)')
    for (const run of [none, http, ca]) noSecrets(run)
  })

  it('explains an untrusted portal certificate instead of turning verification off (exit 1)', async () => {
    const run = await runCli(['info'], { ...env, B24_CA_FILE: undefined })
    expect(run.code).toBe(1)
    expect(run.err).toContain(ERROR_HELP.DEPTH_ZERO_SELF_SIGNED_CERT?.action)
    expect(world.portal.requests).toHaveLength(0)
  })

  it('prints help and versions, and exits 2 for an unknown command', async () => {
    expect(await runCli(['--help'], {})).toMatchObject({ code: 0, err: '' })
    expect((await runCli(['help', 'read'], {})).out).toContain('Usage: b24-autoread read --dialog')
    expect((await runCli(['register', '--help'], {})).out).toContain('Usage: b24-autoread register')
    expect((await runCli(['--version'], {})).out).toMatch(/^\d+\.\d+\.\d+\n$/)
    expect(await runCli([], {})).toMatchObject({ code: 2, out: '' })
    const unknown = await runCli(['frobnicate', '--json'], {})
    expect(unknown.code).toBe(2)
    expect(unknown.json()).toMatchObject({ ok: false, command: 'frobnicate', error: { code: 'USAGE' } })
  })
})
