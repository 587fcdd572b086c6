import { generateTlsMaterial } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type FaultProxy, OVERLOAD_LIMIT, startFaultProxy } from '../support/fault-proxy.js'
import { parseExposition } from '../support/prom-text.js'
import { startWorld, type World } from '../support/service.js'

let world: World | undefined
let proxy: FaultProxy | undefined
afterEach(async () => {
  await world?.close()
  await proxy?.close()
  world = undefined
  proxy = undefined
})

async function readyz(w: World): Promise<{ status: number; body: { ok: boolean; reasons: string[] } }> {
  const res = await fetch(`${w.service.url}/readyz`)
  return { status: res.status, body: (await res.json()) as { ok: boolean; reasons: string[] } }
}

async function sendMessage(w: World, dialogId: string): Promise<void> {
  const sent = w.portal.userSends({ botId: w.botId, dialogId })
  const res = await fetch(`${w.service.url}/bitrix24/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: phpHttpBuildQuery(sent.event),
  })
  expect(res.status).toBe(200)
}

async function metric(w: World, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${w.service.url}/metrics`)
  return parseExposition(await res.text()).value(name, labels)
}

describe('/readyz', () => {
  it('is ready when the service can do its job, and /healthz stays plain liveness', async () => {
    world = await startWorld()
    expect(await readyz(world)).toEqual({ status: 200, body: { ok: true, reasons: [] } })
    const health = await fetch(`${world.service.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ ok: true })
    await sendMessage(world, 'chat1')
    const w = world
    await vi.waitFor(() => expect(w.portal.readState(w.botId, 'chat1').unread).toBe(0))
    expect((await readyz(world)).status).toBe(200)
  })

  it('turns not ready when the portal refuses the bot token (BOT_OWNERSHIP_ERROR)', async () => {
    world = await startWorld({ env: { B24_BOT_TOKEN: 'wrong-bot-token-4242', LOG_LEVEL: 'info' } })
    const w = world
    expect((await readyz(w)).status).toBe(200)
    await sendMessage(w, 'chat2')
    await vi.waitFor(async () => expect((await readyz(w)).status).toBe(503))
    const { body } = await readyz(w)
    expect(body.ok).toBe(false)
    expect(body.reasons).toEqual([expect.stringMatching(/^portal-auth: .*BOT_OWNERSHIP_ERROR/)])
    expect((await fetch(`${w.service.url}/healthz`)).status).toBe(200)
    expect(await metric(w, 'b24_autoread_ready')).toBe(0)
    // Paused, not dropped: the read stays stored until the token is fixed.
    expect(
      await metric(w, 'b24_autoread_reads_dropped_total', { class: 'portal-config', code: 'BOT_OWNERSHIP_ERROR' }),
    ).toBe(0)
    expect(w.service.store.pendingReads()).toHaveLength(1)
    expect(
      await metric(w, 'b24_autoread_rest_requests_total', {
        method: 'imbot.v2.Chat.Message.read',
        outcome: 'error',
        code: 'BOT_OWNERSHIP_ERROR',
      }),
    ).toBe(1)
    const dropped = w.logs.map((l) => JSON.parse(l)).find((l) => l.code === 'BOT_OWNERSHIP_ERROR')
    expect(dropped).toMatchObject({ level: 50, msg: expect.stringContaining('reads paused') })
    expect(w.printed()).not.toContain('wrong-bot-token-4242')
  })

  it('turns not ready while the portal blocks REST with 503 OVERLOAD_LIMIT', async () => {
    const tls = await generateTlsMaterial()
    proxy = await startFaultProxy({ tls })
    const p = proxy
    const webhookSecret = 'hooksecret0123456789'
    world = await startWorld({
      portal: { tls, webhookSecret },
      env: { B24_WEBHOOK_URL: `${p.url}/rest/1/${webhookSecret}/`, SHUTDOWN_TIMEOUT_MS: '200' },
    })
    const w = world
    p.forwardTo(w.portal.url)
    p.block(OVERLOAD_LIMIT)
    expect((await readyz(w)).status).toBe(200)
    await sendMessage(w, 'chat3')
    await vi.waitFor(async () => expect((await readyz(w)).status).toBe(503))
    expect((await readyz(w)).body.reasons).toEqual([expect.stringMatching(/^portal-overload: .*OVERLOAD_LIMIT/)])
    expect(p.blocked).toBe(1)
    expect(await metric(w, 'b24_autoread_limiter_overloaded')).toBe(1)
    expect(await metric(w, 'b24_autoread_limiter_cooldown_seconds')).toBeGreaterThan(30)
    expect(await metric(w, 'b24_autoread_rest_requests_total', { outcome: 'error', code: 'OVERLOAD_LIMIT' })).toBe(1)
    // The read is kept (it is not the dialog's fault), waiting for the block to lift.
    expect(w.service.reads.pendingDialogs).toBe(1)
    expect(await metric(w, 'b24_autoread_pending_dialogs')).toBe(1)
  })

  it("turns not ready when the portal's TLS certificate is not trusted (no B24_CA_FILE), and says what to set", async () => {
    world = await startWorld({ env: { B24_CA_FILE: undefined, SHUTDOWN_TIMEOUT_MS: '200' } })
    const w = world
    expect((await readyz(w)).status).toBe(200)
    await sendMessage(w, 'chat5')
    await vi.waitFor(async () => expect((await readyz(w)).status).toBe(503))
    expect((await readyz(w)).body.reasons).toEqual([
      `portal-connection: cannot reach the portal ${w.portal.domain}: its TLS certificate is self-signed and not trusted: set B24_CA_FILE (DEPTH_ZERO_SELF_SIGNED_CERT)`,
    ])
    expect(
      await metric(w, 'b24_autoread_rest_requests_total', { outcome: 'error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    ).toBeGreaterThan(0)
    expect(w.portal.readState(w.botId, 'chat5').unread).toBe(1)
  })

  it('turns not ready as soon as shutdown starts, while it drains, and refuses events meanwhile', async () => {
    world = await startWorld({ portal: { latencyMs: 400 }, env: { SHUTDOWN_TIMEOUT_MS: '2000' } })
    const w = world
    await sendMessage(w, 'chat4')
    expect((await readyz(w)).status).toBe(200)
    const closing = w.service.close()
    expect(await readyz(w)).toEqual({
      status: 503,
      body: { ok: false, reasons: ['shutdown: the service is shutting down'] },
    })
    const sent = w.portal.userSends({ botId: w.botId, dialogId: 'chat6' })
    const refused = await fetch(`${w.service.url}/bitrix24/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: phpHttpBuildQuery(sent.event),
    })
    expect(refused.status).toBe(503)
    expect(await metric(w, 'b24_autoread_events_rejected_total', { reason: 'shutting_down' })).toBe(1)
    expect(await metric(w, 'b24_autoread_ready')).toBe(0)
    await closing
    expect(w.portal.readState(w.botId, 'chat4').unread).toBe(0)
  })
})
