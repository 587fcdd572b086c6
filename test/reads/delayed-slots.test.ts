import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DelayedSlots } from '../../src/reads/delayed-slots.js'

describe('delayed slots', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('hands each slot over once its own delay has passed, not before, earliest first in one timer', () => {
    const fired: number[][] = []
    const later = new DelayedSlots((slots) => fired.push(slots), Date.now)
    later.add(7, 3_000)
    later.add(2, 1_000)
    later.add(5, 1_000)
    expect(later.size).toBe(3)
    vi.advanceTimersByTime(999)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(fired).toEqual([[2, 5]])
    expect(later.has(2)).toBe(false)
    expect(later.has(7)).toBe(true)
    vi.advanceTimersByTime(2_000)
    expect(fired).toEqual([[2, 5], [7]])
    expect(later.size).toBe(0)
  })

  it('forgets a deleted slot, and a slot added again waits its new delay', () => {
    const fired: number[] = []
    const later = new DelayedSlots((slots) => fired.push(...slots), Date.now)
    later.add(1, 1_000)
    later.add(2, 1_000)
    later.delete(1)
    later.delete(1)
    later.add(2, 5_000)
    expect(later.size).toBe(1)
    vi.advanceTimersByTime(4_999)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(fired).toEqual([2])
  })

  it('keeps slots far past its first capacity, each waiting on its own', () => {
    const fired: number[] = []
    const later = new DelayedSlots((slots) => fired.push(...slots), Date.now)
    for (let slot = 0; slot < 5_000; slot++) later.add(slot, slot % 2 === 0 ? 1_000 : 2_000)
    expect(later.size).toBe(5_000)
    vi.advanceTimersByTime(1_000)
    expect(fired.length).toBe(2_500)
    expect(fired.every((slot) => slot % 2 === 0)).toBe(true)
    vi.advanceTimersByTime(1_000)
    expect(fired.length).toBe(5_000)
    expect(later.has(4_999)).toBe(false)
  })

  it('fires nothing after close until a slot is added again', () => {
    const fired: number[] = []
    const later = new DelayedSlots((slots) => fired.push(...slots), Date.now)
    later.add(3, 1_000)
    later.close()
    vi.advanceTimersByTime(10_000)
    expect(fired).toEqual([])
    later.add(4, 1_000)
    vi.advanceTimersByTime(1_000)
    expect(fired).toEqual([3, 4])
  })
})
