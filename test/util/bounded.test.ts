import { describe, expect, it } from 'vitest'
import { BoundedMap, BoundedSet } from '../../src/util/bounded.js'

describe('BoundedSet', () => {
  it('keeps at most its capacity and forgets the oldest first', () => {
    const set = new BoundedSet<string>(3)
    for (const v of ['a', 'b', 'c', 'd']) set.add(v)
    expect([...set]).toEqual(['b', 'c', 'd'])
    expect(set.size).toBe(3)
    expect(set.has('a')).toBe(false)
  })

  it('makes a value added again the newest, and a read does not', () => {
    const set = new BoundedSet<string>(3)
    for (const v of ['a', 'b', 'c']) set.add(v)
    set.add('a')
    set.has('b')
    set.add('d')
    expect([...set]).toEqual(['c', 'a', 'd'])
  })

  it('forgets nothing else when a value is deleted, and holds nothing at capacity 0', () => {
    const set = new BoundedSet<number>(2)
    set.add(1).add(2)
    set.delete(1)
    set.add(3)
    expect([...set]).toEqual([2, 3])
    expect(new BoundedSet<number>(0).add(1).size).toBe(0)
  })

  it('refuses a capacity that is not a whole number', () => {
    expect(() => new BoundedSet(-1)).toThrow(RangeError)
    expect(() => new BoundedSet(1.5)).toThrow(RangeError)
  })
})

describe('BoundedMap', () => {
  it('keeps the newest keys by last write, with their values', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2)
    map.set('a', 3)
    map.get('b')
    map.set('c', 4)
    expect([...map]).toEqual([
      ['a', 3],
      ['c', 4],
    ])
  })
})
