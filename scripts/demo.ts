/**
 * `npm run demo`: starts a simulated Bitrix24 portal (HTTPS on 127.0.0.1 with a throwaway certificate that the
 * service is told to trust), starts the service against it, lets simulated users write to the bot, and shows each
 * message being read by the bot. Set DEMO_LOGS=1 to see the service's own JSON log lines.
 */
import { Writable } from 'node:stream'
import { startPortalWithBot } from '@b24-autoread/portal-sim'
import { startService } from '../src/start-service.js'

const say = (text: string) => console.log(text)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const sim = await startPortalWithBot({
  portal: { burst: 50, drainPerSec: 2, latencyMs: () => 40 + Math.random() * 40 },
  bot: { code: 'autoread_demo', name: 'Autoread' },
  dirPrefix: 'b24-autoread-demo-',
})
const { portal, bot } = sim
const showLogs = process.env.DEMO_LOGS === '1'
const logSink = new Writable({
  write(chunk, _enc, done) {
    if (showLogs) process.stdout.write(`  [service] ${chunk}`)
    done()
  },
})
const service = await startService({
  env: { ...sim.env, LOG_LEVEL: showLogs ? 'info' : 'warn' },
  logDestination: logSink,
})
const eventsUrl = `${service.url}/bitrix24/events`
say(`Simulated Bitrix24 portal: ${portal.url} (HTTPS, throwaway certificate trusted via B24_CA_FILE)`)
say(`b24-autoread:              ${service.url}, bot #${bot.id} "${bot.code}"\n`)

async function userWrites(dialogId: string, authorId: number, text: string) {
  const sent = portal.userSends({ botId: bot.id, dialogId, authorId, text })
  const { status } = await portal.deliver(sent.event, eventsUrl)
  return { ...sent, status }
}

async function waitRead(dialogId: string, messageId: number): Promise<number> {
  const started = Date.now()
  while (portal.readState(bot.id, dialogId).lastReadId < messageId) {
    if (Date.now() - started > 10_000) return -1
    await sleep(5)
  }
  return Date.now() - started
}

const conversations: Array<[string, number, string]> = [
  ['17', 17, 'Hi bot, are you there?'],
  ['chat5', 23, 'Team chat: @Autoread please take a look'],
  ['42', 42, 'Привет! Можно вопрос?'],
]
for (const [dialogId, authorId, text] of conversations) {
  const sent = await userWrites(dialogId, authorId, text)
  say(
    `user ${authorId} -> bot in dialog ${dialogId}: "${text}" (message ${sent.messageId}, webhook answered ${sent.status})`,
  )
  const ms = await waitRead(dialogId, sent.messageId)
  const state = portal.readState(bot.id, dialogId)
  say(`  read by the bot after ${ms} ms: last read id ${state.lastReadId}, unread ${state.unread}\n`)
}

say('A busy chat: user 17 sends 25 messages at once...')
const before = portal.calls.filter((c) => c.method === 'imbot.v2.Chat.Message.read').length
const burst = await Promise.all(Array.from({ length: 25 }, (_, i) => userWrites('17', 17, `message #${i + 1}`)))
const last = Math.max(...burst.map((b) => b.messageId))
const ms = await waitRead('17', last)
await service.reads.idle()
const calls = portal.calls.filter((c) => c.method === 'imbot.v2.Chat.Message.read').length - before
say(`  all 25 read after ${ms} ms with ${calls} read call(s); unread now ${portal.readState(bot.id, '17').unread}`)
const stats = portal.stats()
say(
  `\nPortal saw ${stats.requests} REST requests, ${stats.rejected503} rejected by its rate limit, ${stats.regressions} id regressions.`,
)

await service.close()
await sim.close()
