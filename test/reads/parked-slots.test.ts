import { describe, expect, it } from 'vitest'
import { ParkedSlots } from '../../src/reads/parked-slots.js'

describe('parked slots', () => {
  it('counts a slot parked twice once, and unparks it on delete', () => {
    const parked = new ParkedSlots()
    parked.add(4)
    parked.add(4)
    parked.add(9)
    expect(parked.size).toBe(2)
    parked.delete(4)
    parked.delete(4)
    parked.delete(100_000)
    expect(parked.size).toBe(1)
    expect(parked.takeAll()).toEqual([9])
  })

  it('hands every parked slot back once, past its first capacity, and is empty after', () => {
    const parked = new ParkedSlots()
    for (let slot = 0; slot < 3_000; slot += 3) parked.add(slot)
    parked.delete(3)
    const slots = parked.takeAll()
    expect(slots.length).toBe(999)
    expect(slots.includes(3)).toBe(false)
    expect(slots.at(-1)).toBe(2_997)
    expect(parked.size).toBe(0)
    expect(parked.takeAll()).toEqual([])
    parked.add(3)
    expect(parked.takeAll()).toEqual([3])
  })
})
