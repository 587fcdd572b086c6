import { describe, expect, it } from 'vitest'
import { slotReport } from '../../src/reads/slot-report.js'

const times = [{ method: 'imbot.v2.Chat.Message.read', time: { operating: 1 } }]

describe('slotReport', () => {
  it('reports a success as no trouble, with the time blocks', () => {
    expect(slotReport('m', [], times)).toEqual({ rateLimited: false, overloaded: false, failed: false, times })
  })

  it.each([
    ['rate-limit', { rateLimited: true }],
    ['overload', { overloaded: true }],
    ['transient', { failed: true }],
    ['operating-limit', { operatingBlocked: ['m'] }],
    ['dialog-gone', {}],
    ['portal-config', {}],
    ['batch-refused', {}],
  ] as const)('reports %s to the gate as %o', (kind, expected) => {
    expect(slotReport('m', [kind], [])).toEqual({
      rateLimited: false,
      overloaded: false,
      failed: false,
      times: [],
      ...expected,
    })
  })

  it('reports every kind a batch answer carried', () => {
    expect(slotReport('m', new Set(['rate-limit', 'transient', 'operating-limit'] as const), [])).toEqual({
      rateLimited: true,
      overloaded: false,
      failed: true,
      times: [],
      operatingBlocked: ['m'],
    })
  })
})
