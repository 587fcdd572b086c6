/**
 * Graceful shutdown of the real process: SIGTERM stops intake (503), drains, flushes pending reads in batches
 * within SHUTDOWN_TIMEOUT_MS and exits 0, leaving what it could not read in the store; a second signal exits at once.
 */
import type { Portal } from '@b24-autoread/portal-sim'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LmdbStore } from '../../src/store/lmdb-store.js'
import type { ChildService } from '../support/child-service.js'
import { type ProcessWorld, startProcessWorld } from '../support/process-world.js'

const SECRETS = { botToken: 'shutdown-bot-token-77aa01', applicationToken: 'shutdown-app-token-3c5e9f' }

let world: ProcessWorld
let portal: Portal
let botId: number

beforeEach(async () => {
  world = await startProcessWorld({
    bot: SECRETS,
    dirPrefix: 'b24-shutdown-',
    env: { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '2000' },
  })
  portal = world.portal
  botId = world.bot.id
})

afterEach(() => world.close())

const start = (extra: Record<string, string> = {}): Promise<ChildService> => world.start(extra)

/** A user writes in `dialogId` and the event is delivered to `child`; returns the answer and the message id. */
async function userWrites(child: ChildService, dialogId: string) {
  const sent = portal.userSends({ botId, dialogId })
  const res = await portal.deliver(sent.event, `${child.url}/bitrix24/events`)
  return { status: res.status, body: res.body, dialogId, messageId: sent.messageId }
}

async function storedPending(): Promise<number> {
  const store = await LmdbStore.open({ dir: world.stateDir })
  const count = store.pendingReads().length
  await store.close()
  return count
}

describe('graceful shutdown', () => {
  it('flushes queued reads in batches before exiting 0', async () => {
    // A budget of 2 requests and then 1 per second: 30 dialogs can only be read in batches.
    const child = await start({ B24_RATE_BURST: '2', B24_RATE_PER_SEC: '1', SHUTDOWN_TIMEOUT_MS: '5000' })
    portal.inject({ kind: 'slow', times: 2, delayMs: 400 })
    const acked = []
    for (let i = 0; i < 30; i++) acked.push(await userWrites(child, `chat${i + 1}`))
    expect(acked.every((a) => a.status === 200)).toBe(true)
    const stopping = Date.now()
    child.process.kill('SIGTERM')
    expect(await child.exited).toEqual({ code: 0, signal: null })
    expect(Date.now() - stopping).toBeLessThan(5_000)
    for (const { dialogId, messageId } of acked) {
      expect(portal.readState(botId, dialogId).lastReadId).toBeGreaterThanOrEqual(messageId)
    }
    // The reads went out after the signal (the flush), in batches.
    expect(portal.requests.filter((r) => r.at >= stopping).length).toBeGreaterThan(0)
    expect(portal.stats().batches).toBeGreaterThan(0)
    expect(portal.requests.length).toBeLessThanOrEqual(5)
    expect(child.printed()).toMatch(/"pendingDialogs":0,"keptInStore":0,"msg":"b24-autoread stopped"/)
    expect(await storedPending()).toBe(0)
  })

  it('answers 503 while closing, keeps unread reads in the store at the deadline, and reads them after a restart', async () => {
    const child = await start()
    portal.setDown(true)
    const acked = [await userWrites(child, 'chat1'), await userWrites(child, 'chat2'), await userWrites(child, 'chat1')]
    expect(acked.map((a) => a.status)).toEqual([200, 200, 200])
    const stopping = Date.now()
    child.process.kill('SIGTERM')
    await vi.waitFor(() => expect(child.printed()).toContain('"msg":"shutting down"'))
    const late = await userWrites(child, 'chat3')
    expect(late.status).toBe(503)
    expect(JSON.parse(late.body)).toMatchObject({ ok: false, error: 'SHUTTING_DOWN' })
    const ready = await fetch(`${child.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(await child.exited).toEqual({ code: 0, signal: null })
    const took = Date.now() - stopping
    expect(took).toBeGreaterThanOrEqual(1_500)
    expect(took).toBeLessThan(4_000)
    expect(child.printed()).toMatch(/"pendingDialogs":2,"keptInStore":2,"msg":"b24-autoread stopped"/)
    expect(await storedPending()).toBe(2)

    portal.setDown(false)
    const next = await start()
    await vi.waitFor(
      () => {
        for (const { dialogId, messageId } of acked) {
          expect(portal.readState(botId, dialogId).lastReadId).toBeGreaterThanOrEqual(messageId)
        }
      },
      { timeout: 10_000 },
    )
    expect(portal.readState(botId, 'chat3').unread).toBe(1)
    next.process.kill('SIGTERM')
    expect((await next.exited).code).toBe(0)
    expect(await storedPending()).toBe(0)
  })

  it('exits at once on a second signal, losing nothing that was acknowledged', async () => {
    const child = await start({ SHUTDOWN_TIMEOUT_MS: '30000' })
    portal.setDown(true)
    const acked = [await userWrites(child, 'chat7'), await userWrites(child, '42')]
    const stopping = Date.now()
    child.process.kill('SIGTERM')
    await vi.waitFor(() => expect(child.printed()).toContain('"msg":"shutting down"'))
    child.process.kill('SIGINT')
    const exit = await child.exited
    expect(Date.now() - stopping).toBeLessThan(3_000)
    expect(exit.code).toBe(130)
    expect(await storedPending()).toBe(2)

    portal.setDown(false)
    await start()
    await vi.waitFor(
      () => {
        for (const { dialogId, messageId } of acked) {
          expect(portal.readState(botId, dialogId).lastReadId).toBeGreaterThanOrEqual(messageId)
        }
      },
      { timeout: 10_000 },
    )
    expect(portal.stats().regressions).toBe(0)
  })
})
