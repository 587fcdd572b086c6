import { describe, expect, it } from 'vitest'
import { packTrace, unpackTrace } from '../../src/reads/packed-trace.js'

describe('packed trace', () => {
  it("packs Fastify's request ids and fetch mode's event ids to numbers, and gives the same ids back", () => {
    for (const trace of [{ reqId: 'req-1' }, { reqId: 'req-zz9' }, { reqId: 'req-0' }, { eventId: 123_456 }]) {
      const packed = packTrace(trace)
      expect(typeof packed).toBe('number')
      expect(unpackTrace(packed)).toEqual(trace)
    }
  })

  it('keeps any other trace as it is', () => {
    for (const trace of [
      { reqId: 'req-01' },
      { reqId: 'abc' },
      { reqId: 'req-zzzzzzz' },
      { eventId: 'e5' },
      { eventId: 0 },
      { eventId: 1.5 },
      { reqId: 'req-1', eventId: 2 },
      {},
    ]) {
      expect(packTrace(trace)).toBe(trace)
      expect(unpackTrace(packTrace(trace))).toEqual(trace)
    }
    expect(packTrace(undefined)).toBeUndefined()
  })
})
