import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KeyCompactor } from '../../src/intake/compact-key.js'
import { RecentKeys } from '../../src/intake/dedupe.js'

describe('compact dedupe keys', () => {
  it("makes a message key of the first portal and bot the message id itself, and any other key's form unchanged", () => {
    const compactor = new KeyCompactor()
    expect(compactor.compact('m:9fed8e7b05533d2644df2ee55b649699:456:32184')).toBe(32184)
    expect(compactor.compact('m:9fed8e7b05533d2644df2ee55b649699:457:32184')).toBe(2 ** 32 + 32184)
    for (const key of ['j:456:chat1:7:1700000000', 'm:456:0032184', 'm:456:4294967296', 'm:456:-1', 'e:77', 'm:456:']) {
      expect(compactor.compact(key)).toBe(key)
    }
  })

  it('gives distinct keys distinct values and the same key the same value', () => {
    const where = fc.oneof(fc.integer({ min: 1, max: 5 }).map(String), fc.constantFrom('p1:1', 'p2:1', 'p1:2'))
    const id = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 33 }))
    const key = fc.tuple(where, id).map(([w, id]) => `m:${w}:${id}`)
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), (keys) => {
        const compactor = new KeyCompactor()
        const seen = new Map<string | number, string>()
        for (const k of keys) {
          const compact = compactor.compact(k)
          expect(compactor.compact(k)).toBe(compact)
          expect(seen.get(compact) ?? k).toBe(k)
          seen.set(compact, k)
        }
      }),
    )
  })

  it('finds a redelivery, and tells apart the same message id of two portals', () => {
    const seen = new RecentKeys(10)
    expect(seen.add('m:p1:456:10')).toBe(true)
    expect(seen.add('m:p2:456:10')).toBe(true)
    expect(seen.add('m:p1:456:10')).toBe(false)
    seen.delete('m:p1:456:10')
    expect(seen.add('m:p1:456:10')).toBe(true)
    expect(seen.size).toBe(2)
  })
})
