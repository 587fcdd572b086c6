import { describe, expect, it } from 'vitest'
import { PendingMarks } from '../../src/store/pending-marks.js'

describe('pending marks (the store mirror)', () => {
  it('keeps the webhook portal, each OAuth portal and each bot apart', () => {
    const marks = new PendingMarks()
    marks.set({ botId: 1, dialogId: 'chat1', messageId: 10 })
    marks.set({ portal: 'p1', botId: 1, dialogId: 'chat1', messageId: 20 })
    marks.set({ portal: 'p2', botId: 1, dialogId: 'chat1', messageId: 30 })
    marks.set({ portal: 'p1', botId: 2, dialogId: 'chat1', messageId: 40 })
    expect(marks.size).toBe(4)
    expect(marks.get({ botId: 1, dialogId: 'chat1' })).toBe(10)
    expect(marks.get({ portal: 'p1', botId: 1, dialogId: 'chat1' })).toBe(20)
    expect(marks.get({ portal: '', botId: 1, dialogId: 'chat1' })).toBeUndefined()
    expect(marks.all()).toEqual([
      { botId: 1, dialogId: 'chat1', messageId: 10 },
      { portal: 'p1', botId: 1, dialogId: 'chat1', messageId: 20 },
      { portal: 'p1', botId: 2, dialogId: 'chat1', messageId: 40 },
      { portal: 'p2', botId: 1, dialogId: 'chat1', messageId: 30 },
    ])
    expect(marks.removePortal('p1')).toHaveLength(2)
    expect(marks.size).toBe(2)
    expect(marks.ofPortal('p1')).toEqual([])
    expect(marks.ofPortal(undefined)).toEqual([{ botId: 1, dialogId: 'chat1', messageId: 10 }])
  })

  it('raises, restores and deletes one dialog without touching the others', () => {
    const marks = new PendingMarks()
    const a = { botId: 1, dialogId: 'a' }
    marks.set({ ...a, messageId: 5 })
    marks.set({ botId: 1, dialogId: 'b', messageId: 6 })
    marks.set({ ...a, messageId: 7 })
    expect(marks.size).toBe(2)
    marks.restore(a, 5)
    expect(marks.get(a)).toBe(5)
    marks.restore(a, undefined)
    expect(marks.get(a)).toBeUndefined()
    marks.delete(a)
    expect(marks.size).toBe(1)
    expect(marks.all()).toEqual([{ botId: 1, dialogId: 'b', messageId: 6 }])
  })
})
