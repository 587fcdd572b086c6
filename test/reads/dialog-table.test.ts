import { describe, expect, it } from 'vitest'
import { DialogTable } from '../../src/reads/dialog-table.js'
import { openWatermark, requestRead } from '../../src/reads/dialog-watermark.js'

describe('dialog table', () => {
  it('remembers the watermark of a retired dialog, and forgets the oldest beyond its bound', () => {
    const table = new DialogTable(2, undefined)
    for (const [id, confirmed] of [
      ['a', 5],
      ['b', 6],
      ['c', 7],
    ] as const) {
      table.retire(table.add(1, id, openWatermark(confirmed)))
    }
    expect(table.size).toBe(0)
    expect(['a', 'b', 'c'].map((id) => table.confirmed(1, id))).toEqual([0, 6, 7])
  })

  it('asks the store only for a dialog it does not know', () => {
    const asked: string[] = []
    const table = new DialogTable(10, (_, dialogId) => {
      asked.push(dialogId)
      return 40
    })
    table.add(1, 'a', openWatermark(9))
    expect(table.confirmed(1, 'a')).toBe(9)
    expect(table.confirmed(1, 'z')).toBe(40)
    expect(asked).toEqual(['z'])
  })

  it('keeps each dialog apart by bot and dialog id, and gives its watermark back field for field', () => {
    const table = new DialogTable(10, undefined)
    const received = 1_764_000_000_123
    const mark = requestRead(openWatermark(3), 2 ** 40, received).state
    const slot = table.add(7, 'chat1', mark)
    const other = table.add(8, 'chat1', openWatermark(1))
    expect(other).not.toBe(slot)
    expect(table.mark(slot)).toEqual(mark)
    expect(table.target(slot, 12)).toEqual({ botId: 7, dialogId: 'chat1', messageId: 12 })
    expect([table.slotOf(7, 'chat1'), table.slotOf(8, 'chat1'), table.slotOf(9, 'chat1')]).toEqual([slot, other, -1])
    expect(table.size).toBe(2)
  })

  it('reuses the slot of a retired dialog for a new one, with nothing of the old left in it', () => {
    const table = new DialogTable(10, undefined)
    const old = table.add(1, 'old', requestRead(openWatermark(0), 5, 1000).state)
    table.setTrace(old, { reqId: 'req-1' })
    table.traceSent(old)
    table.retire(old)
    expect(table.isActive(old)).toBe(false)
    const slot = table.add(1, 'new', openWatermark(2))
    expect(slot).toBe(old)
    expect(table.isActive(slot)).toBe(true)
    expect(table.mark(slot)).toEqual(openWatermark(2))
    expect(table.takeSentTrace(slot)).toBeUndefined()
    expect(table.slotOf(1, 'old')).toBe(-1)
    expect(table.confirmed(1, 'old')).toBe(0)
  })

  it('gives back the trace of the read sent, not of a message that raised the watermark since', () => {
    const table = new DialogTable(10, undefined)
    const slot = table.add(1, 'a', openWatermark(0))
    table.setTrace(slot, { reqId: 'req-a1' })
    table.traceSent(slot)
    table.setTrace(slot, { reqId: 'req-a2' })
    expect(table.takeSentTrace(slot)).toEqual({ reqId: 'req-a1' })
    expect(table.takeSentTrace(slot)).toBeUndefined()
  })
})
