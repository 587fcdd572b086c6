import { describe, expect, it } from 'vitest'
import type { SharedBudget } from '../../src/reads/shared-budget.js'
import { SharedPortalGate } from '../../src/reads/shared-gate.js'

/** A shared budget that answers the queued waits in order (then grants), and records what it is told. */
function fakeBudget(waits: Array<number | Error> = []) {
  const calls: string[] = []
  const budget: SharedBudget = {
    async take(method) {
      calls.push(`take ${method}`)
      const next = waits.shift() ?? 0
      if (next instanceof Error) throw next
      return next
    },
    async holdPortal(ms, fill) {
      calls.push(`holdPortal ${ms > 0 ? 'ms' : 0} ${fill}`)
    },
    async holdMethod(method, ms) {
      calls.push(`holdMethod ${method} ${Math.round(ms / 1000)}s`)
    },
  }
  return { budget, calls }
}

const options = { burst: 50, perSec: 2, maxInFlight: 4, random: () => 0.5 }

describe('shared portal gate', () => {
  it('sends only once the shared budget grants, waiting as long as it says', async () => {
    const { budget, calls } = fakeBudget([40, new Error('redis away'), 0])
    const waited: number[] = []
    const errors: unknown[] = []
    const gate = new SharedPortalGate({ ...options }, budget, {
      onSharedWait: (ms) => waited.push(ms),
      onSharedError: (err) => errors.push(err),
    })
    const started = Date.now()
    const slot = await gate.acquire('imbot.v2.Chat.Message.read')
    expect(calls).toEqual(Array(3).fill('take imbot.v2.Chat.Message.read'))
    expect(waited).toEqual([40, 500])
    expect(errors).toHaveLength(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(500)
    slot.done({})
    gate.close()
  })

  it('passes a 503 cool-down to every replica with the bucket marked full', async () => {
    const { budget, calls } = fakeBudget()
    const gate = new SharedPortalGate({ ...options }, budget)
    const slot = await gate.acquire('batch')
    slot.done({ rateLimited: true })
    expect(calls).toEqual(['take batch', 'holdPortal ms true'])
    gate.close()
  })

  it('holds a method for every replica until its operating time resets', async () => {
    const { budget, calls } = fakeBudget()
    const now = 1_700_000_000_000
    const gate = new SharedPortalGate({ ...options, now: () => now }, budget)
    const slot = await gate.acquire('batch')
    const time = { operating: 479, operatingResetAt: now / 1000 + 20 }
    slot.done({ times: [{ method: 'imbot.v2.Chat.Message.read', time }] })
    const blocked = await gate.acquire('batch')
    blocked.done({ operatingBlocked: ['im.dialog.read'] })
    expect(calls).toEqual([
      'take batch',
      'holdMethod imbot.v2.Chat.Message.read 21s',
      'take batch',
      'holdMethod im.dialog.read 60s',
    ])
    gate.close()
  })
})
