/**
 * Issue 10 item 2: the second delivery of any event answers `duplicate` and runs no handler, while events that
 * really differ (a join after leaving, a command used again, an edit to a new text) run each time. Through the
 * built service's webhook route, form-encoded as Bitrix24 sends them.
 */

import {
  botDeleteEvent,
  commandAddEvent,
  contextGetEvent,
  joinChatEvent,
  messageAddEvent,
  messageDeleteEvent,
  messageUpdateEvent,
  reactionChangeEvent,
} from '@b24-autoread/portal-sim/events'
import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../src/events/parse-event.js'
import type { BotEvent } from '../../src/events/types.js'
import { dedupeKey } from '../../src/intake/dedupe-key.js'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { BUILT_BOT, build } from '../support/build.js'

const applicationToken = BUILT_BOT.applicationToken
const ts = 1_789_545_901

/** One body of each event type, as a real portal would send it (the same ts on both deliveries). */
const EVERY_TYPE: ReadonlyArray<readonly [string, object]> = [
  ['message add', messageAddEvent({ applicationToken, ts, messageId: 70 })],
  ['message update', messageUpdateEvent({ applicationToken, ts, messageId: 71, text: 'edited' })],
  ['message delete', messageDeleteEvent({ applicationToken, ts, messageId: 72 })],
  ['join', joinChatEvent({ applicationToken, ts, dialogId: 'chat5', authorId: 9 })],
  ['command', commandAddEvent({ applicationToken, ts, messageId: 73, command: 'help' })],
  ['reaction', reactionChangeEvent({ applicationToken, ts, messageId: 74, reaction: 'like', action: 'add' })],
  ['context get', contextGetEvent({ applicationToken, ts, dialogId: '9', context: 'crm' })],
  ['bot delete', botDeleteEvent({ applicationToken, ts })],
]

/** A built service whose one handler counts the events it sees, by type. */
async function counted() {
  const seen: string[] = []
  const count: Middleware<EventContext> = async (ctx, next) => {
    seen.push(ctx.event.type)
    await next()
  }
  const built = await build({ handlers: [count] })
  const deliver = async (body: object) => (await built.post(body)).json()
  return { ...built, seen, deliver }
}

describe('every event deduplicated', () => {
  it.each(EVERY_TYPE)(
    'answers the second delivery of a %s as a duplicate and runs its handlers once',
    async (_, body) => {
      const { service, seen, deliver } = await counted()
      expect(await deliver(body)).toEqual({ ok: true, outcome: 'accepted' })
      expect(await deliver(body)).toEqual({ ok: true, outcome: 'duplicate' })
      await service.idle()
      expect(seen).toHaveLength(1)
    },
  )

  it('runs events that really differ each time', async () => {
    const { service, seen, deliver } = await counted()
    const pairs: ReadonlyArray<readonly [object, object]> = [
      // The same user adds the bot again after it was removed: a later ts.
      [
        joinChatEvent({ applicationToken, ts, authorId: 9 }),
        joinChatEvent({ applicationToken, ts: ts + 60, authorId: 9 }),
      ],
      // The same command used again in a new message, and the same keyboard button pressed again later.
      [
        commandAddEvent({ applicationToken, ts, messageId: 80 }),
        commandAddEvent({ applicationToken, ts, messageId: 81 }),
      ],
      [
        commandAddEvent({ applicationToken, ts, messageId: 82 }),
        commandAddEvent({ applicationToken, ts: ts + 5, messageId: 82 }),
      ],
      // An edit to a new text within the same second, and a reaction taken back.
      [
        messageUpdateEvent({ applicationToken, ts, messageId: 83, text: 'one' }),
        messageUpdateEvent({ applicationToken, ts, messageId: 83, text: 'two' }),
      ],
      [
        reactionChangeEvent({ applicationToken, ts, messageId: 84, action: 'add' }),
        reactionChangeEvent({ applicationToken, ts, messageId: 84, action: 'delete' }),
      ],
      // Two users opening the same context.
      [contextGetEvent({ applicationToken, ts, authorId: 3 }), contextGetEvent({ applicationToken, ts, authorId: 4 })],
    ]
    for (const [first, second] of pairs) {
      expect(await deliver(first)).toEqual({ ok: true, outcome: 'accepted' })
      expect(await deliver(second)).toEqual({ ok: true, outcome: 'accepted' })
    }
    await service.idle()
    expect(seen).toHaveLength(pairs.length * 2)
  })

  it('keeps every type distinct from the others and from another portal', () => {
    const keys = EVERY_TYPE.map(([, body]) => keyOf(body))
    expect(new Set(keys).size).toBe(keys.length)
    const elsewhere = keyOf(joinChatEvent({ applicationToken, ts, memberId: 'another-portal' }))
    expect(elsewhere).not.toBe(keyOf(joinChatEvent({ applicationToken, ts })))
  })

  it('stores the key of every type with the event, where a restarted service loads them from', async () => {
    const { store, service, deliver } = await counted()
    for (const [, body] of EVERY_TYPE) await deliver(body)
    await service.idle()
    expect(new Set(store.seenKeys())).toEqual(new Set(EVERY_TYPE.map(([, body]) => keyOf(body))))
  })
})

/** The dedupe key the service computes for a webhook body. */
function keyOf(body: object): string {
  return dedupeKey(parseOrThrow(body))
}

/** Parses a builder's body into a modelled event. */
function parseOrThrow(body: object): BotEvent {
  const parsed = parseEvent(body)
  if (!parsed.ok || parsed.event.type === 'unknown') throw new Error('test body does not parse as a modelled event')
  return parsed.event
}
