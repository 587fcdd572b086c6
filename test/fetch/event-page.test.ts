import { describe, expect, it } from 'vitest'
import { parseEventPage } from '../../src/intake/event-page.js'

const event = (eventId: number) => ({
  eventId,
  type: 'ONIMBOTV2MESSAGEADD',
  date: '2025-01-15T10:30:00+02:00',
  data: {},
})

describe('imbot.v2.Event.get pages', () => {
  it('reads the documented format', () => {
    expect(parseEventPage({ events: [event(1001)], nextOffset: 1002, hasMore: false })).toEqual({
      events: [{ eventId: 1001, type: 'ONIMBOTV2MESSAGEADD', date: '2025-01-15T10:30:00+02:00', data: {} }],
      nextOffset: 1002,
      hasMore: false,
    })
  })

  it('takes lastEventId + 1 from the format before 25.03.2026', () => {
    expect(parseEventPage({ events: [event(7), event(9)], lastEventId: 9, hasMore: true })).toMatchObject({
      nextOffset: 10,
      hasMore: true,
    })
  })

  it('gives 0 for an empty queue, which the caller must not take as a new offset', () => {
    expect(parseEventPage({ events: [], nextOffset: 0, hasMore: false })).toEqual({
      events: [],
      nextOffset: 0,
      hasMore: false,
    })
    expect(parseEventPage({ events: [], lastEventId: 0, hasMore: false })).toMatchObject({ nextOffset: 0 })
  })

  it('accepts PHP objects for lists and string scalars', () => {
    const page = parseEventPage({ events: { 0: { ...event(5), eventId: '5' } }, nextOffset: '6', hasMore: 'N' })
    expect(page).toMatchObject({ events: [{ eventId: 5 }], nextOffset: 6, hasMore: false })
  })

  it('rejects answers that are not pages', () => {
    expect(parseEventPage(null)).toBe('the result is not an object')
    expect(parseEventPage({ events: 'x' })).toBe('events is not a list')
    expect(parseEventPage({ events: [{ type: 'X', data: {} }] })).toBe('an event lacks eventId, type or data')
  })
})
