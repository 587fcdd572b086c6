import { describe, expect, it } from 'vitest'
import { compose, type Middleware } from '../../src/pipeline/compose.js'
import { Lanes } from '../../src/pipeline/lanes.js'

describe('compose', () => {
  it('runs stages in order, around next()', async () => {
    const trace: string[] = []
    const stage =
      (name: string): Middleware<string[]> =>
      async (ctx, next) => {
        ctx.push(`${name}>`)
        await next()
        ctx.push(`<${name}`)
      }
    await compose([stage('a'), stage('b')])(trace)
    expect(trace).toEqual(['a>', 'b>', '<b', '<a'])
  })

  it('stops the chain when a stage does not call next', async () => {
    const trace: string[] = []
    await compose<string[]>([(ctx) => void ctx.push('stop'), (ctx) => void ctx.push('never')])(trace)
    expect(trace).toEqual(['stop'])
  })

  it('rejects a second next() in the same stage', async () => {
    const twice: Middleware<object> = async (_ctx, next) => {
      await next()
      await next()
    }
    await expect(compose([twice])({})).rejects.toThrow('next() called multiple times')
  })
})

describe('lanes', () => {
  it('keeps order within a key and runs different keys concurrently up to the cap', async () => {
    const lanes = new Lanes({ concurrency: 2, maxQueued: 100 })
    const trace: string[] = []
    let running = 0
    let peak = 0
    const job = (name: string) => async () => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 5))
      trace.push(name)
      running--
    }
    for (const [key, n] of [
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['c', 1],
      ['a', 3],
    ] as const) {
      lanes.push(key, job(`${key}${n}`))
    }
    await lanes.idle()
    expect(trace.filter((t) => t.startsWith('a'))).toEqual(['a1', 'a2', 'a3'])
    expect(peak).toBe(2)
  })

  it('refuses jobs beyond the bound and keeps going after a job throws', async () => {
    const lanes = new Lanes({ concurrency: 1, maxQueued: 2 })
    const done: string[] = []
    expect(
      lanes.push('x', async () => {
        throw new Error('boom')
      }),
    ).toBe(true)
    expect(lanes.push('x', async () => void done.push('second'))).toBe(true)
    expect(lanes.push('y', async () => void done.push('third'))).toBe(false)
    await lanes.idle()
    expect(done).toEqual(['second'])
    expect(lanes.size).toBe(0)
  })
})
