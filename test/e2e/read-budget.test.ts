import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startWorld, type World } from '../support/service.js'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

/** Posts `bodies` with `connections` requests in flight at once; returns the statuses. */
async function postAll(w: World, bodies: readonly string[], connections: number): Promise<number[]> {
  const statuses: number[] = []
  let next = 0
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as string
      const res = await fetch(`${w.service.url}/bitrix24/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
      await res.arrayBuffer()
      statuses.push(res.status)
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  return statuses
}

describe('end to end: the read budget (real SDK, HTTPS, the portal counts)', () => {
  it('reads 2,000 messages over 40 dialogs with at most 20 requests and no rate-limit rejection', async () => {
    world = await startWorld({ env: { LOG_LEVEL: 'warn' }, portal: { latencyMs: 20 } })
    const w = world
    const last = new Map<string, number>()
    const bodies: string[] = []
    for (let i = 0; i < 2_000; i++) {
      const dialogId = `chat${(i % 40) + 1}`
      const sent = w.portal.userSends({ botId: w.botId, dialogId, text: `message ${i}` })
      last.set(dialogId, sent.messageId)
      bodies.push(phpHttpBuildQuery(sent.event))
    }
    w.portal.reset()
    const statuses = await postAll(w, bodies, 20)
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    await vi.waitFor(
      () => {
        for (const [dialogId, id] of last) expect(w.portal.readState(w.botId, dialogId).lastReadId).toBe(id)
      },
      { timeout: 30_000, interval: 50 },
    )
    const stats = w.portal.stats()
    expect(stats.rejected503 + stats.rejected429).toBe(0)
    expect(stats.requests).toBeLessThanOrEqual(20)
  })
})
