/** The intake step shared by webhook and fetch mode, with stub dependencies. */

import { messageAddEvent } from '@b24-autoread/portal-sim/events'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/errors.js'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent, UnknownEvent } from '../../src/events/types.js'
import { createIntake, type IntakeOptions } from '../../src/intake/accept-event.js'
import { RecentKeys } from '../../src/intake/dedupe.js'
import { dedupeKey } from '../../src/intake/dedupe-key.js'

function eventOf(body: object): BotEvent | UnknownEvent {
  const parsed = parseEvent(body)
  if (!parsed.ok) throw new Error(`test event does not parse: ${parsed.problems.join('; ')}`)
  return parsed.event
}

/** An intake whose steps are recorded in order; `overrides` replace a dependency. */
function intake(overrides: Partial<IntakeOptions> = {}) {
  const steps: string[] = []
  const outcomes: string[] = []
  const options: IntakeOptions = {
    botIds: new Set([456]),
    seen: new RecentKeys(100),
    run: (event) => {
      steps.push(`run ${event.type}`)
      return true
    },
    persist: async (event) => {
      steps.push(`persist ${event.type}`)
      return true
    },
    canAcceptRead: () => true,
    log: pino({ level: 'silent' }),
    onOutcome: (event, outcome) => outcomes.push(`${event} ${outcome}`),
    ...overrides,
  }
  return { accept: createIntake(options), steps, outcomes }
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err,
  )

describe('intake', () => {
  it('issues the store write before queueing the event, and accepts it', async () => {
    const { accept, steps, outcomes } = intake()
    expect(await accept(eventOf(messageAddEvent()), 1)).toEqual({ outcome: 'accepted' })
    expect(steps).toEqual(['persist ONIMBOTV2MESSAGEADD', 'run ONIMBOTV2MESSAGEADD'])
    expect(outcomes).toEqual(['ONIMBOTV2MESSAGEADD accepted'])
  })

  it('ignores unknown events and events for another bot without running them', async () => {
    const { accept, steps } = intake()
    const unknown = eventOf({ event: 'ONSOMETHINGNEW', data: { a: '1' } })
    expect(await accept(unknown, 1)).toEqual({ outcome: 'ignored', reason: 'unknown-event' })
    expect(await accept(eventOf(messageAddEvent({ botId: 999 })), 1)).toEqual({
      outcome: 'ignored',
      reason: 'other-bot',
    })
    expect(steps).toEqual([])
  })

  it('drops a second delivery of the same message', async () => {
    const { accept, steps } = intake()
    const event = eventOf(messageAddEvent({ messageId: 5 }))
    await accept(event, 1)
    expect(await accept(event, 2)).toEqual({ outcome: 'duplicate' })
    expect(steps.filter((s) => s.startsWith('run'))).toHaveLength(1)
  })

  it('with a shared store, runs an event only after the store recorded it as new, and drops what another replica recorded', async () => {
    const recorded = new Set<number>([7])
    let release = (): void => {}
    const written = new Promise<void>((resolve) => {
      release = resolve
    })
    const { accept, steps, outcomes } = intake({
      persistFirst: true,
      persist: async (event) => {
        steps.push(`persist ${event.type}`)
        await written
        return event.type !== 'ONIMBOTV2MESSAGEADD' || !recorded.has(event.message.id)
      },
    })
    const first = accept(eventOf(messageAddEvent({ messageId: 6 })), 1)
    await Promise.resolve()
    expect(steps).toEqual(['persist ONIMBOTV2MESSAGEADD'])
    release()
    expect(await first).toEqual({ outcome: 'accepted' })
    expect(await accept(eventOf(messageAddEvent({ messageId: 7 })), 2)).toEqual({ outcome: 'duplicate' })
    expect(steps.filter((s) => s.startsWith('run'))).toHaveLength(1)
    expect(outcomes).toEqual(['ONIMBOTV2MESSAGEADD accepted', 'ONIMBOTV2MESSAGEADD duplicate'])
  })

  it('refuses with 503 OVERLOADED when no read can be taken for a new dialog, and takes the redelivery later', async () => {
    let room = false
    const { accept, steps } = intake({ canAcceptRead: () => room })
    const event = eventOf(messageAddEvent())
    const err = await rejection(accept(event, 1))
    expect(err).toBeInstanceOf(HttpError)
    expect(err).toMatchObject({ statusCode: 503, code: 'OVERLOADED' })
    expect(steps).toEqual([])
    room = true
    expect(await accept(event, 2)).toEqual({ outcome: 'accepted' })
  })

  it('refuses with 503 STORE_UNAVAILABLE when the write fails, so the redelivery is not taken for a duplicate', async () => {
    let failing = true
    const { accept } = intake({
      persist: async () => {
        if (failing) throw new Error('disk full')
        return true
      },
    })
    const event = eventOf(messageAddEvent())
    expect(await rejection(accept(event, 1))).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' })
    failing = false
    expect(await accept(event, 2)).toEqual({ outcome: 'accepted' })
  })

  it('refuses with 503 OVERLOADED when the lanes are full, and takes the redelivery later', async () => {
    let full = true
    const { accept, outcomes } = intake({ run: () => !full })
    const event = eventOf(messageAddEvent())
    expect(await rejection(accept(event, 1))).toMatchObject({ statusCode: 503, code: 'OVERLOADED' })
    full = false
    expect(await accept(event, 2)).toEqual({ outcome: 'accepted' })
    expect(outcomes).toEqual(['ONIMBOTV2MESSAGEADD rejected', 'ONIMBOTV2MESSAGEADD accepted'])
  })

  it('keys new messages by portal, bot and message (the stored format), fetched events by eventId', () => {
    const message = eventOf(messageAddEvent({ memberId: 'm1', messageId: 7 }))
    if (message.type === 'unknown') throw new Error('unexpected')
    expect(dedupeKey(message)).toBe('m:m1:456:7')
    expect(dedupeKey({ ...message, eventId: 31 })).toBe('e:31')
  })
})
