import { describe, expect, it } from 'vitest'
import { ReadyQueue } from '../../src/reads/ready-queue.js'

describe('ready queue', () => {
  it('serves the front lane first, then the others oldest first', () => {
    const queue = new ReadyQueue()
    for (const key of ['a', 'b', 'c']) queue.add(key)
    queue.add('retry', true)
    expect(queue.take(2)).toEqual(['retry', 'a'])
    expect(queue.take(10)).toEqual(['b', 'c'])
    expect(queue.size).toBe(0)
  })

  it('holds a key once: a key already queued keeps its place', () => {
    const queue = new ReadyQueue()
    queue.add('a')
    queue.add('b')
    queue.add('a')
    queue.add('a', true)
    expect(queue.size).toBe(2)
    expect(queue.take(10)).toEqual(['a', 'b'])
  })

  it('queues a key again once it was taken', () => {
    const queue = new ReadyQueue()
    queue.add('a')
    queue.add('b')
    expect(queue.take(1)).toEqual(['a'])
    queue.add('a')
    expect(queue.take(10)).toEqual(['b', 'a'])
  })
})
