import { describe, expect, it } from 'vitest'
import { type Dialog, DialogTable, keyOf } from '../../src/reads/dialog-table.js'
import { openWatermark } from '../../src/reads/dialog-watermark.js'

const dialog = (dialogId: string, confirmed: number): Dialog => ({
  botId: 1,
  dialogId,
  mark: openWatermark(confirmed),
  trace: undefined,
  sentTrace: undefined,
})

describe('dialog table', () => {
  it('remembers the watermark of a retired dialog, and forgets the oldest beyond its bound', () => {
    const table = new DialogTable(2, undefined)
    for (const [id, confirmed] of [
      ['a', 5],
      ['b', 6],
      ['c', 7],
    ] as const) {
      table.add(keyOf(1, id), dialog(id, confirmed))
      table.retire(keyOf(1, id))
    }
    expect(table.size).toBe(0)
    expect(['a', 'b', 'c'].map((id) => table.confirmed(keyOf(1, id), 1, id))).toEqual([0, 6, 7])
  })

  it('asks the store only for a dialog it does not know', () => {
    const asked: string[] = []
    const table = new DialogTable(10, (_, dialogId) => {
      asked.push(dialogId)
      return 40
    })
    table.add(keyOf(1, 'a'), dialog('a', 9))
    expect(table.confirmed(keyOf(1, 'a'), 1, 'a')).toBe(9)
    expect(table.confirmed(keyOf(1, 'z'), 1, 'z')).toBe(40)
    expect(asked).toEqual(['z'])
  })
})
