/**
 * Secrets never printed: the real entry runs as child processes at LOG_LEVEL=trace through every path (reads that
 * succeed, each error class of the portal, rejected events, events carrying access and refresh tokens, SDK and
 * TLS errors, a refused bot token, a wrong webhook secret, config errors, a crash and the recovery after it), and
 * everything they wrote to stdout and stderr is searched for every secret, plain and percent-encoded.
 */
import type { Portal } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery, v1MessageAddEvent } from '@b24-autoread/portal-sim/events'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type ChildService, runService, startService } from '../support/child-service.js'
import { type ProcessWorld, startProcessWorld } from '../support/process-world.js'

const SECRETS = {
  botToken: 'leak-bot-token-0f9e8d7c',
  applicationToken: 'leak-app-token-6b5a4f3e',
  eventsSecret: 'leak-events-secret-2d1c0b9a',
  wrongBotToken: 'leak-wrong-bot-token-88c1',
  wrongWebhookSecret: 'leakwrongwebhooksecret77',
  forgedToken: 'leak-forged-token-5e5e5e',
  v1AccessToken: 'leak-v1-access-token-a1b2c3',
  v1RefreshToken: 'leak-v1-refresh-token-d4e5f6',
  badConfigSecret: 'leak-config-secret-9z8y7x',
}

let world: ProcessWorld
let portal: Portal
let botId: number
let botAccessToken: string

beforeAll(async () => {
  world = await startProcessWorld({
    bot: { botToken: SECRETS.botToken, applicationToken: SECRETS.applicationToken },
    dirPrefix: 'b24-secrets-',
    env: {
      LOG_LEVEL: 'trace',
      B24_EVENTS_SECRET: SECRETS.eventsSecret,
      B24_REQUEST_TIMEOUT_MS: '400',
      SHUTDOWN_TIMEOUT_MS: '1000',
    },
  })
  portal = world.portal
  botId = world.bot.id
  botAccessToken = world.bot.accessToken
})

afterAll(() => world.close())

const start = (env: Record<string, string> = {}): Promise<ChildService> => world.start(env)

async function post(child: ChildService, body: string, path = `/bitrix24/events/${SECRETS.eventsSecret}`) {
  const res = await fetch(`${child.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  return res.status
}

/** A user writes in `dialogId` and the event is posted to `child`. */
async function userWrites(child: ChildService, dialogId: string) {
  const sent = portal.userSends({ botId, dialogId })
  return { ...sent, status: await post(child, phpHttpBuildQuery(sent.event)) }
}

/** A user writes in `dialogId` to `child`, which answers 200 and then prints `line`; then `child` is stopped. */
async function writesThenPrints(child: ChildService, dialogId: string, line: string) {
  expect((await userWrites(child, dialogId)).status).toBe(200)
  await vi.waitFor(() => expect(child.printed()).toContain(line), { timeout: 5_000 })
  await stop(child)
}

async function stop(child: ChildService, signal: NodeJS.Signals = 'SIGTERM') {
  child.process.kill(signal)
  await child.exited
}

describe('no secret in anything the process prints', () => {
  it('over success, every error class, bad input, SDK errors, config errors and a crash', async () => {
    // 1. Success, then each portal error class, in one life at trace level.
    const main = await start()
    const ok = await userWrites(main, 'chat1')
    expect(ok.status).toBe(200)
    await vi.waitFor(() => expect(portal.readState(botId, 'chat1').unread).toBe(0))
    for (const kind of ['500', '502-html', '503', 'drop', 'drop-after', 'slow'] as const) {
      portal.inject({ kind, times: 1, delayMs: 800 })
      expect((await userWrites(main, `chat${kind.length + 10}`)).status).toBe(200)
      await vi.waitFor(() => expect(portal.stats().faults[kind]).toBe(1), { timeout: 5_000 })
    }
    // A terminal dialog error (the bot left the chat).
    const doomed = portal.userSends({ botId, dialogId: 'chat40' })
    portal.botLeaves({ botId, dialogId: 'chat40' })
    expect(await post(main, phpHttpBuildQuery(doomed.event))).toBe(200)
    // Rejected events: a forged and a missing application token, a guessed events secret, junk.
    const forged = portal.userSends({ botId, dialogId: 'chat41' }).event
    expect(
      await post(
        main,
        phpHttpBuildQuery({ ...forged, auth: { ...forged.auth, application_token: SECRETS.forgedToken } }),
      ),
    ).toBe(401)
    expect(await post(main, phpHttpBuildQuery({ ...forged, auth: {} }))).toBe(401)
    expect(await post(main, phpHttpBuildQuery(forged), `/bitrix24/events/${SECRETS.forgedToken}`)).toBe(401)
    expect(await post(main, `event=ONIMBOTV2MESSAGEADD&auth[application_token]=${SECRETS.applicationToken}`)).toBe(400)
    // A legacy v1 event carries the portal's access and refresh tokens in `auth`.
    const v1 = v1MessageAddEvent({
      botId,
      dialogId: 'chat42',
      messageId: portal.userSends({ botId, dialogId: 'chat42' }).messageId,
      applicationToken: SECRETS.applicationToken,
      accessToken: SECRETS.v1AccessToken,
      auth: { access_token: SECRETS.v1AccessToken, refresh_token: SECRETS.v1RefreshToken },
    })
    expect(await post(main, phpHttpBuildQuery(v1))).toBe(200)
    await vi.waitFor(() => expect(portal.readState(botId, 'chat42').unread).toBe(0), { timeout: 5_000 })
    // 429 OPERATION_TIME_LIMIT holds the read method until the portal's window resets: last in this life.
    portal.inject({ kind: '429-operating', times: 1 })
    expect((await userWrites(main, 'chat48')).status).toBe(200)
    await vi.waitFor(() => expect(portal.stats().faults['429-operating']).toBe(1), { timeout: 5_000 })
    // 2. A crash with reads pending (portal down), and the recovery in the next life.
    portal.setDown(true)
    const pending = await userWrites(main, 'chat43')
    expect(pending.status).toBe(200)
    await stop(main, 'SIGKILL')
    portal.setDown(false)
    const recovered = await start()
    await vi.waitFor(() => expect(portal.readState(botId, 'chat43').unread).toBe(0), { timeout: 10_000 })
    await stop(recovered)

    // 3-5 run side by side (independent processes, memory stores).
    const memory = { STATE_STORE: 'memory' }
    await Promise.all([
      // 3. The portal refuses the bot token (a configuration error: reads pause), and a wrong webhook secret (401).
      (async () => {
        const wrongToken = await start({ ...memory, B24_BOT_TOKEN: SECRETS.wrongBotToken })
        await writesThenPrints(wrongToken, 'chat44', 'BOT_OWNERSHIP_ERROR')
      })(),
      (async () => {
        const wrongHook = await start({
          ...memory,
          B24_WEBHOOK_URL: portal.webhookUrl.replace(portal.webhookSecret, SECRETS.wrongWebhookSecret),
        })
        await writesThenPrints(wrongHook, 'chat45', 'reads paused')
      })(),
      // 4. SDK transport errors: an untrusted certificate, and nothing listening.
      (async () => {
        const { B24_CA_FILE: _ca, ...untrustedEnv } = world.serviceEnv
        const untrusted = world.keep(await startService({ ...untrustedEnv, ...memory }))
        await writesThenPrints(untrusted, 'chat46', 'read failed, will retry')
      })(),
      (async () => {
        const refused = await start({
          ...memory,
          B24_WEBHOOK_URL: `https://127.0.0.1:1/rest/1/${portal.webhookSecret}/`,
        })
        await writesThenPrints(refused, 'chat47', 'read failed, will retry')
      })(),
      // 5. Config errors: exit 1 with every problem named on stderr, and no secret value repeated.
      (async () => {
        const bad = runService({
          B24_WEBHOOK_URL: `http://portal.example/rest/1/${SECRETS.badConfigSecret}/`,
          B24_BOT_ID: 'x7',
          B24_BOT_TOKEN: SECRETS.botToken,
          B24_EVENTS_SECRET: `${SECRETS.badConfigSecret}!`,
          B24_APPLICATION_TOKEN: SECRETS.applicationToken,
          LOG_LEVEL: 'loud',
          STATE_STORE: 'paper',
        })
        world.keep(bad)
        expect((await bad.exited).code).toBe(1)
        for (const name of ['B24_WEBHOOK_URL', 'B24_BOT_ID', 'B24_EVENTS_SECRET', 'LOG_LEVEL', 'STATE_STORE']) {
          expect(bad.printed()).toContain(name)
        }
      })(),
    ])

    const printed = world.children.map((c) => c.printed()).join('\n')
    expect(printed).toContain('message read')
    expect(printed).toContain('read dropped')
    expect(printed).toContain('request rejected')
    const secrets = [
      ...Object.values(SECRETS),
      portal.webhookSecret,
      botAccessToken,
      'a98b9d690000071b000008440000001b0000071d8a2',
      '990ac569071b000008440000001b000007f80ccc35b5e3',
    ]
    for (const secret of secrets) {
      expect(printed, `printed ${secret}`).not.toContain(secret)
      expect(printed, `printed ${secret} percent-encoded`).not.toContain(encodeURIComponent(secret))
    }
  }, 60_000)
})
