import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ERROR_HELP } from '../../src/cli/error-help.js'
import { type CliWorld, envLines, runCli, startCliWorld } from '../support/cli-run.js'

let world: CliWorld
beforeEach(async () => {
  world = await startCliWorld()
})
afterEach(async () => {
  await world.close()
})

const registerCalls = () => world.portal.requests.filter((r) => r.method === 'imbot.v2.Bot.register')

describe('b24-autoread register', () => {
  it('registers a fetch-mode bot with a generated token inside fields and prints the B24_* lines', async () => {
    const run = await runCli(['register', '--code', 'autoread', '--name', 'Auto Read'], world.env)
    expect(run).toMatchObject({ code: 0, err: '' })
    const lines = envLines(run.out)
    const bot = world.portal.getBot(Number(lines.B24_BOT_ID))
    expect(bot).toMatchObject({ code: 'autoread', name: 'Auto Read', type: 'bot', eventMode: 'fetch' })
    expect(lines.B24_BOT_TOKEN).toMatch(/^[A-Za-z0-9_-]{40}$/)
    expect(bot?.botToken).toBe(lines.B24_BOT_TOKEN)
    expect(lines.B24_EVENT_MODE).toBe('fetch')
    expect(lines.B24_EVENTS_SECRET).toBeUndefined()
    const body = registerCalls()[0]?.body as { botToken?: unknown; fields: Record<string, unknown> }
    expect(body.botToken).toBeUndefined()
    expect(body.fields).toMatchObject({ code: 'autoread', botToken: lines.B24_BOT_TOKEN, eventMode: 'fetch' })
    // The webhook's secret is never printed.
    expect(run.out).not.toContain(world.portal.webhookSecret)
  })

  it('registers a webhook-mode bot at <url>/bitrix24/events/<secret> and suggests that secret', async () => {
    const run = await runCli(
      ['register', '--code', 'hooked', '--name', 'Hooked', '--mode', 'webhook', '--url', 'https://bot.example.com/'],
      world.env,
    )
    expect(run.code).toBe(0)
    const lines = envLines(run.out)
    expect(lines.B24_EVENTS_SECRET).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(lines.B24_EVENT_MODE).toBe('webhook')
    const bot = world.portal.getBot(Number(lines.B24_BOT_ID))
    expect(bot?.webhookUrl).toBe(`https://bot.example.com/bitrix24/events/${lines.B24_EVENTS_SECRET}`)
    // Outside the env lines the secret is shown as a placeholder only.
    const rest = run.out
      .split('\n')
      .filter((l) => !l.startsWith('B24_'))
      .join('\n')
    expect(rest).toContain('https://bot.example.com/bitrix24/events/<B24_EVENTS_SECRET>')
    expect(rest).not.toContain(lines.B24_EVENTS_SECRET)
    expect(rest).not.toContain(lines.B24_BOT_TOKEN)
  })

  it('reports the existing bot when the same code is registered again with the same token', async () => {
    const first = await runCli(['register', '--code', 'again', '--name', 'Again', '--json'], world.env)
    const { env } = first.json() as { env: Record<string, string> }
    const second = await runCli(['register', '--code', 'again', '--name', 'Again', '--json'], { ...world.env, ...env })
    expect(second.code).toBe(0)
    expect(second.json()).toMatchObject({
      ok: true,
      command: 'register',
      existing: true,
      bot: { id: Number(env.B24_BOT_ID), code: 'again' },
      env: { B24_BOT_ID: env.B24_BOT_ID, B24_BOT_TOKEN: env.B24_BOT_TOKEN },
    })
    expect(world.portal.getBot(Number(env.B24_BOT_ID))?.name).toBe('Again')
  })

  it('explains BOT_CODE_ALREADY_TAKEN when the code belongs to a bot with another token (exit 1)', async () => {
    world.portal.addBot({ code: 'taken', botToken: 'someone-elses-token-1234' })
    const run = await runCli(
      ['register', '--code', 'taken', '--name', 'Mine', '--token', 'my-own-token-5678'],
      world.env,
    )
    expect(run.code).toBe(1)
    expect(run.out).toBe('')
    expect(run.err).toContain('BOT_CODE_ALREADY_TAKEN')
    expect(run.err).toContain(ERROR_HELP.BOT_CODE_ALREADY_TAKEN?.action)
    expect(run.err).not.toContain('my-own-token-5678')
    expect(run.err.trim().split('\n')).toHaveLength(2)
  })

  it('explains BOT_TOKEN_INVALID_LENGTH and BOT_INVALID_CALLBACK from the portal, with --json too', async () => {
    const long = await runCli(['register', '--code', 'long', '--name', 'Long', '--token', 'x'.repeat(41)], world.env)
    expect(long.code).toBe(1)
    expect(long.err).toContain(`BOT_TOKEN_INVALID_LENGTH: ${ERROR_HELP.BOT_TOKEN_INVALID_LENGTH?.meaning}`)
    const bad = await runCli(['register', '--code', 'cb', '--name', 'Cb', '--url', 'ftp://bot.example.com', '--json'], {
      ...world.env,
    })
    expect(bad.code).toBe(1)
    expect(bad.json()).toMatchObject({
      ok: false,
      command: 'register',
      error: { code: 'BOT_INVALID_CALLBACK', status: 400, action: ERROR_HELP.BOT_INVALID_CALLBACK?.action },
    })
  })

  it('refuses a bad command line before calling the portal (exit 2)', async () => {
    const cases = [
      ['register', '--name', 'No code'],
      ['register', '--code', 'x'],
      ['register', '--code', 'x', '--name', 'X', '--mode', 'webhook'],
      ['register', '--code', 'x', '--name', 'X', '--mode', 'fetch', '--url', 'https://a.example'],
      ['register', '--code', 'x', '--name', 'X', '--mode', 'push'],
      ['register', '--code', 'x', '--name', 'X', '--colour', 'red'],
    ]
    for (const argv of cases) {
      const run = await runCli(argv, world.env)
      expect(run.code, argv.join(' ')).toBe(2)
      expect(run.err).toMatch(/^b24-autoread register: USAGE: /)
    }
    expect(world.portal.requests).toHaveLength(0)
  })
})
