import { describe, expect, it } from 'vitest'
import { ReadyQueue } from '../../src/reads/ready-queue.js'

describe('ready queue', () => {
  it('serves the front lane first, then the others oldest first', () => {
    const queue = new ReadyQueue()
    for (const slot of [1, 2, 3]) queue.add(slot)
    queue.add(9, true)
    expect(queue.take(2)).toEqual([9, 1])
    expect(queue.take(10)).toEqual([2, 3])
    expect(queue.size).toBe(0)
  })

  it('holds a slot once: a slot already queued keeps its place', () => {
    const queue = new ReadyQueue()
    queue.add(1)
    queue.add(2)
    queue.add(1)
    queue.add(1, true)
    expect(queue.size).toBe(2)
    expect(queue.take(10)).toEqual([1, 2])
  })

  it('queues a slot again once it was taken', () => {
    const queue = new ReadyQueue()
    queue.add(1)
    queue.add(2)
    expect(queue.take(1)).toEqual([1])
    queue.add(1)
    expect(queue.take(10)).toEqual([2, 1])
  })

  it('keeps the order of 100,000 slots across its growth, with a retry in front', () => {
    const queue = new ReadyQueue()
    for (let slot = 0; slot < 100_000; slot++) queue.add(slot)
    expect(queue.take(3)).toEqual([0, 1, 2])
    queue.add(1, true)
    queue.add(50_000)
    expect(queue.size).toBe(99_998)
    const all = queue.take(200_000)
    expect(all.slice(0, 3)).toEqual([1, 3, 4])
    expect(all).toHaveLength(99_998)
    expect(all.at(-1)).toBe(99_999)
    expect(new Set(all).size).toBe(all.length)
  })

  it('keeps the order when it grows after slots were taken from its start', () => {
    const queue = new ReadyQueue()
    for (let slot = 0; slot < 200; slot++) queue.add(slot)
    expect(queue.take(150)).toHaveLength(150)
    for (let slot = 200; slot < 1_000; slot++) queue.add(slot)
    const rest = queue.take(2_000)
    expect(rest).toEqual(Array.from({ length: 850 }, (_, i) => 150 + i))
  })
})
