import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startService } from '../../src/start-service.js'
import { memoryLogLines } from '../support/fake-port.js'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const DIALOG_READ = { B24_READ_METHOD: 'im.dialog.read' }

async function post(w: World, event: object) {
  const res = await fetch(`${w.service.url}/bitrix24/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: phpHttpBuildQuery(event),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const dialogReads = (w: World) => w.portal.calls.filter((c) => c.method === 'im.dialog.read')

/** The webhook's user (a person) has an unread message from user 27 in their own chat with 27. */
function personalChatOfWebhookUser(w: World) {
  w.portal.personSends({ from: 27, to: w.portal.webhookUserId, text: 'private, for user 1 only' })
  expect(w.portal.readState(w.portal.webhookUserId, '27').unread).toBe(1)
}

describe('im.dialog.read in webhook mode reads only as the bot (v1 data[BOT] tokens)', () => {
  it("marks the bot's conversation with the bot's own token, never the webhook user's conversation", async () => {
    world = await startWorld({ env: DIALOG_READ })
    const w = world
    personalChatOfWebhookUser(w)
    const sent = w.portal.v1UserSends({ botId: w.botId, dialogId: '27', text: 'to the bot' })
    const group = w.portal.v1UserSends({ botId: w.botId, dialogId: 'chat9', authorId: 42 })
    expect(await post(w, sent.event)).toEqual({ status: 200, body: { ok: true, outcome: 'accepted' } })
    expect((await post(w, group.event)).status).toBe(200)
    await vi.waitFor(() => {
      expect(w.portal.readState(w.botId, '27')).toEqual({ lastReadId: sent.messageId, unread: 0 })
      expect(w.portal.readState(w.botId, 'chat9')).toEqual({ lastReadId: group.messageId, unread: 0 })
    })
    expect(w.portal.stats().reads).toBe(2)
    expect(w.portal.stats().humanDialogReads).toBe(0)
    expect(w.portal.readState(w.portal.webhookUserId, '27').unread).toBe(1)
    // Sent with the bot's access token (OAuth path), never through the webhook URL.
    const sentPaths = w.portal.requests.filter((r) => r.method === 'im.dialog.read').map((r) => r.path)
    expect(sentPaths.length).toBeGreaterThan(0)
    for (const path of sentPaths) expect(path).not.toContain(w.portal.webhookSecret)
    // Tokens never logged.
    const printed = w.printed()
    expect(printed).toContain('message read')
    for (const secret of [sent.botAccessToken, group.botAccessToken, TEST_SECRETS.applicationToken]) {
      expect(secret).toBeDefined()
      expect(printed).not.toContain(secret)
    }
  })

  it('refuses an event that carries no bot token (422 NO_BOT_TOKEN), sending nothing', async () => {
    world = await startWorld({ env: DIALOG_READ })
    const w = world
    personalChatOfWebhookUser(w)
    const legacy = w.portal.v1UserSends({ botId: w.botId, dialogId: '27', legacy: true })
    const refused = await post(w, legacy.event)
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({ ok: false, error: 'NO_BOT_TOKEN' })
    expect(String(refused.body.message)).toContain('B24_READ_METHOD=imbot.v2.Chat.Message.read')
    // A v2 event has no v1 bot grant either, whatever its data.bot.auth holds.
    const v2 = w.portal.userSends({ botId: w.botId, dialogId: '27' })
    expect((await post(w, v2.event)).body).toMatchObject({ error: 'NO_BOT_TOKEN' })
    // Refused events leave nothing behind: a redelivery with tokens is accepted, not taken for a duplicate.
    const withTokens = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
    expect((await post(w, withTokens.event)).status).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, '27').unread).toBe(0))
    expect(w.portal.stats().humanDialogReads).toBe(0)
    expect(w.portal.readState(w.portal.webhookUserId, '27').unread).toBe(1)
  })

  it("refuses bot tokens naming another portal's endpoint or another install (403), never sending them", async () => {
    world = await startWorld({ env: DIALOG_READ })
    const w = world
    personalChatOfWebhookUser(w)
    const sent = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
    const entry = sent.event.data.BOT[String(w.botId)] ?? {}
    const withEntry = (over: Record<string, string>) => ({
      ...sent.event,
      data: { ...sent.event.data, BOT: { [String(w.botId)]: { ...entry, ...over } } },
    })
    for (const endpoint of ['https://attacker.example/rest/', 'https://[', `http://${w.portal.domain}/rest/`]) {
      const answer = await post(w, withEntry({ client_endpoint: endpoint }))
      expect(answer.status, endpoint).toBe(403)
      expect(answer.body).toMatchObject({ ok: false, error: 'BOT_ENDPOINT_MISMATCH' })
    }
    const otherInstall = await post(w, withEntry({ application_token: 'another-install-token' }))
    expect(otherInstall.body).toMatchObject({ error: 'BOT_ENDPOINT_MISMATCH' })
    expect(dialogReads(w)).toHaveLength(0)
    expect(w.portal.readState(w.botId, '27').unread).toBe(1)
    expect(w.printed()).not.toContain(sent.botAccessToken)
  })
})

describe('im.dialog.read after a restart (tokens are not stored)', () => {
  it('keeps replayed reads until a v1 event brings the bot token, never sending them as the webhook user', async () => {
    const env = { ...DIALOG_READ, STATE_STORE: 'lmdb', READ_PROBE_INTERVAL_MS: '100', SHUTDOWN_TIMEOUT_MS: '300' }
    world = await startWorld({ env })
    const w = world
    personalChatOfWebhookUser(w)
    w.portal.setDown(true)
    const first = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
    expect((await post(w, first.event)).status).toBe(200)
    await w.service.close()
    w.portal.setDown(false)

    const sink = memoryLogLines()
    const second = await startService({ env: w.env, logDestination: sink })
    try {
      const restarted = { ...w, service: second }
      // The stored read is replayed, but no bot token is known yet: refused here, not sent as the webhook's user.
      await vi.waitFor(async () => {
        const ready = (await (await fetch(`${second.url}/readyz`)).json()) as { reasons: string[] }
        expect(ready.reasons.join(' ')).toContain('NO_BOT_TOKEN')
      })
      expect(w.portal.readState(w.botId, '27').unread).toBe(1)
      const next = w.portal.v1UserSends({ botId: w.botId, dialogId: 'chat9', authorId: 42 })
      expect((await post(restarted, next.event)).status).toBe(200)
      await vi.waitFor(() => {
        expect(w.portal.readState(w.botId, '27')).toEqual({ lastReadId: first.messageId, unread: 0 })
        expect(w.portal.readState(w.botId, 'chat9')).toEqual({ lastReadId: next.messageId, unread: 0 })
      })
      expect(w.portal.stats().humanDialogReads).toBe(0)
      expect(w.portal.readState(w.portal.webhookUserId, '27').unread).toBe(1)
      expect(sink.lines.join('')).not.toContain(next.botAccessToken)
    } finally {
      await second.close()
    }
  }, 30_000)
})

describe("the bot's expired token", () => {
  /** A world whose portal clock runs `offset.ms` ahead, and a service restarted with `extraEnv` (the portal's URL). */
  async function expiringWorld(extraEnv: (w: World) => Record<string, string>) {
    const offset = { ms: 0 }
    world = await startWorld({ env: DIALOG_READ, portal: { clock: () => Date.now() + offset.ms } })
    const w = world
    await w.service.close()
    const sink = memoryLogLines()
    const service = await startService({ env: { ...w.env, ...extraEnv(w) }, logDestination: sink })
    return { w: { ...w, service, logs: sink.lines, printed: () => sink.lines.join('') }, offset, service }
  }

  /** The event of a new message carrying the tokens of an earlier event (a portal reuses a token until it expires). */
  function withTokensOf(earlier: { event: { data: { BOT: object } } }, later: { event: object }): object {
    return { ...later.event, data: { ...(later.event as { data: object }).data, BOT: earlier.event.data.BOT } }
  }

  it('is refreshed at B24_OAUTH_SERVER_ENDPOINT when the app credentials are set, then the read is sent', async () => {
    const { w, offset, service } = await expiringWorld((x) => ({
      B24_CLIENT_ID: 'v1-app',
      B24_CLIENT_SECRET: 'v1-app-secret-test-3e9d',
      B24_OAUTH_SERVER_ENDPOINT: `${x.portal.url}/rest/`,
    }))
    try {
      const first = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
      expect((await post(w, first.event)).status).toBe(200)
      await vi.waitFor(() => expect(w.portal.readState(w.botId, '27').unread).toBe(0))
      offset.ms = 2 * 3600_000
      const later = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
      expect((await post(w, withTokensOf(first, later))).status).toBe(200)
      await vi.waitFor(() =>
        expect(w.portal.readState(w.botId, '27')).toEqual({ lastReadId: later.messageId, unread: 0 }),
      )
      expect(w.portal.requests.filter((r) => r.method === 'oauth/token')).toHaveLength(1)
      expect(w.portal.stats().humanDialogReads).toBe(0)
      expect(w.printed()).not.toContain('v1-app-secret-test-3e9d')
    } finally {
      await service.close()
    }
  }, 30_000)

  it('without app credentials is not refreshed: reads wait (expired_token) for the newer token of a later event', async () => {
    const { w, offset, service } = await expiringWorld(() => ({ READ_PROBE_INTERVAL_MS: '100' }))
    try {
      const first = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
      expect((await post(w, first.event)).status).toBe(200)
      await vi.waitFor(() => expect(w.portal.readState(w.botId, '27').unread).toBe(0))
      offset.ms = 2 * 3600_000
      const later = w.portal.v1UserSends({ botId: w.botId, dialogId: '27' })
      expect((await post(w, withTokensOf(first, later))).status).toBe(200)
      await vi.waitFor(async () => {
        const ready = (await (await fetch(`${service.url}/readyz`)).json()) as { reasons: string[] }
        expect(ready.reasons.join(' ')).toContain('expired_token')
      })
      expect(w.portal.requests.filter((r) => r.method === 'oauth/token')).toHaveLength(0)
      expect(w.portal.readState(w.botId, '27').unread).toBe(1)
      // The next event's token is newer: the waiting read goes out with it.
      const newest = w.portal.v1UserSends({ botId: w.botId, dialogId: 'chat9', authorId: 42 })
      expect((await post(w, newest.event)).status).toBe(200)
      await vi.waitFor(() =>
        expect(w.portal.readState(w.botId, '27')).toEqual({ lastReadId: later.messageId, unread: 0 }),
      )
      expect(w.portal.stats().humanDialogReads).toBe(0)
    } finally {
      await service.close()
    }
  }, 30_000)
})
