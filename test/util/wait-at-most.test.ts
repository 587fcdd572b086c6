import { afterEach, describe, expect, it, vi } from 'vitest'
import { waitAtMost } from '../../src/util/wait-at-most.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('waitAtMost', () => {
  it('resolves true as soon as the promise fulfils, and leaves no timer behind', async () => {
    vi.useFakeTimers()
    let resolve = () => {}
    const done = waitAtMost(new Promise<void>((r) => (resolve = r)), 10_000)
    resolve()
    expect(await done).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('resolves false once the time is up, while the promise is still pending', async () => {
    vi.useFakeTimers()
    let settled: boolean | undefined
    const done = waitAtMost(new Promise(() => {}), 1_000).then((v) => (settled = v))
    await vi.advanceTimersByTimeAsync(999)
    expect(settled).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    await done
    expect(settled).toBe(false)
  })

  it('rejects when the promise rejects in time, and clears its timer', async () => {
    vi.useFakeTimers()
    await expect(waitAtMost(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('takes a negative time as none', async () => {
    expect(await waitAtMost(new Promise(() => {}), -5)).toBe(false)
  })
})
