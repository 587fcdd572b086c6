import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { ReadRequest } from '../../src/reads/read-contract.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { sweepPortalsPending } from '../../src/store/portals-pending-sweep.js'

const silent = pino({ level: 'silent' })

/** A scheduler double that records what the sweep asks of it; `tracked` dialogs it says it tracks. */
function readsDouble(tracked: readonly string[] = [], parked = 0) {
  const requested: ReadRequest[] = []
  let retried = 0
  return {
    requested,
    get retried() {
      return retried
    },
    request(read: ReadRequest) {
      requested.push(read)
      return true
    },
    tracks: (_botId: number, dialogId: string) => tracked.includes(dialogId),
    retryParked() {
      retried++
      return parked
    },
  }
}

describe('the pending sweep over OAuth portals', () => {
  it('asks only the portals with a stored read, once each per sweep, and hands back what they do not track', async () => {
    const store = new MemoryStore()
    // Many installed portals; two have stored reads (one of them two dialogs, one tracked by its scheduler already).
    for (let i = 0; i < 50; i++) await store.saveTenant(`idle-${i}`, 'sealed')
    await store.savePending({ portal: 'p1', botId: 7, dialogId: 'chat1', messageId: 10 })
    await store.savePending({ portal: 'p1', botId: 7, dialogId: 'chat2', messageId: 11 })
    await store.savePending({ portal: 'p2', botId: 7, dialogId: 'chat3', messageId: 12 })
    const p1 = readsDouble(['chat2'], 1)
    const p2 = readsDouble()
    const asked: string[] = []
    const result = sweepPortalsPending(
      store,
      (portal) => {
        asked.push(portal)
        return portal === 'p1' ? p1 : portal === 'p2' ? p2 : undefined
      },
      silent,
    )
    expect(asked.sort()).toEqual(['p1', 'p2'])
    expect([p1.retried, p2.retried]).toEqual([1, 1])
    expect(p1.requested.map((r) => r.dialogId)).toEqual(['chat1'])
    expect(p2.requested.map((r) => r.dialogId)).toEqual(['chat3'])
    expect(result).toEqual({ parked: 1, replayed: 2 })
  })

  it('keeps the stored reads of a portal it cannot reach, and asks it again on the next sweep', async () => {
    const store = new MemoryStore()
    await store.savePending({ portal: 'gone', botId: 7, dialogId: 'chat1', messageId: 10 })
    let asked = 0
    const readsOf = () => {
      asked++
      return undefined
    }
    expect(sweepPortalsPending(store, readsOf, silent)).toEqual({ parked: 0, replayed: 0 })
    expect(sweepPortalsPending(store, readsOf, silent)).toEqual({ parked: 0, replayed: 0 })
    expect(store.pendingReads()).toHaveLength(1)
    expect(asked).toBe(2)
  })
})
