import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { replyToPing } from '../../examples/reply-to-ping.js'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

async function deliver(w: World, event: object): Promise<number> {
  const res = await fetch(`${w.service.url}/bitrix24/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: phpHttpBuildQuery(event),
  })
  return res.status
}

describe('examples/reply-to-ping.ts against the simulated portal (real SDK, HTTPS)', () => {
  it('answers "ping" with "pong" as the bot, then the message is read', async () => {
    world = await startWorld({ handlers: [replyToPing] })
    const w = world
    const ping = w.portal.userSends({ botId: w.botId, dialogId: '27', authorId: 27, text: ' Ping ' })
    expect(await deliver(w, ping.event)).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, '27').lastReadId).toBe(ping.messageId), 10_000)
    expect(w.portal.textsBy(w.botId, '27')).toEqual(['pong'])
    const send = w.portal.requests.find((r) => r.method === 'imbot.v2.Chat.Message.send')
    expect(send?.body).toMatchObject({ botId: w.botId, botToken: TEST_SECRETS.botToken, dialogId: '27' })
  })

  it('leaves other messages unanswered but still reads them', async () => {
    world = await startWorld({ handlers: [replyToPing] })
    const w = world
    const hello = w.portal.userSends({ botId: w.botId, dialogId: '28', authorId: 28, text: 'hello' })
    expect(await deliver(w, hello.event)).toBe(200)
    await vi.waitFor(() => expect(w.portal.readState(w.botId, '28').lastReadId).toBe(hello.messageId), 10_000)
    expect(w.portal.textsBy(w.botId, '28')).toEqual([])
  })
})
