/**
 * The read-budget phases of `npm run bench`: a sustained flood of new dialogs on the standard plan, and a burst of
 * messages over a few dialogs. Each compares the run with the physical limit of the portal's bucket, computed in the
 * same run: with burst B, drain r and `batch` of 50, at most `(B + r * t) * 50` dialog reads are possible by time t,
 * and none before its message arrived, so N dialogs whose last message was sent at `a` are read at the earliest at
 * `max(a, (ceil(N / 50) - B) / r)`. The ratio is that ideal time over the measured one (1 = at the limit).
 */
import type { Portal } from '@b24-autoread/portal-sim'
import { lastIds, type Message, mintMessages } from './workload.js'
import { post, sleep, startWorld, stopWorld, type World, waitAllRead } from './world.js'

const READ = 'imbot.v2.Chat.Message.read'
const STANDARD = { burst: 50, perSec: 2 }

/** The earliest time (ms after the first message) the limit allows `dialogs` reads whose last message came at `lastMs`. */
export function idealMs(dialogs: number, lastMs: number, burst: number, perSec: number): number {
  return Math.max(lastMs, ((Math.ceil(dialogs / 50) - burst) / perSec) * 1000)
}

/** When the portal ran the read that covered each dialog's last message, the latest of them (ms since epoch). */
function lastReadAt(portal: Portal, last: ReadonlyMap<string, number>): number {
  const readAt = new Map<string, number>()
  for (const call of portal.calls) {
    if (!call.ok || call.method !== READ) continue
    const dialogId = String(call.params.dialogId)
    const wanted = last.get(dialogId)
    if (wanted === undefined || Number(call.params.messageId) < wanted || readAt.has(dialogId)) continue
    readAt.set(dialogId, call.at)
  }
  return readAt.size === last.size ? Math.max(...readAt.values()) : Number.NaN
}

/**
 * Waits until every dialog of `last` is read (at most `timeoutMs`), stops the world, and gives when the last read ran
 * (ms after `started`), the portal's counters, and the ideal time for the last message at `lastSentMs`.
 */
async function finish(
  world: World,
  last: ReadonlyMap<string, number>,
  started: number,
  lastSentMs: number,
  timeoutMs: number,
) {
  await waitAllRead(world.portal, world.botId, last, timeoutMs)
  await sleep(200)
  const readMs = lastReadAt(world.portal, last) - started
  const stats = world.portal.stats()
  await stopWorld(world)
  return { readMs, stats, ideal: idealMs(last.size, lastSentMs, STANDARD.burst, STANDARD.perSec) }
}

const round2 = (n: number) => Math.round(n * 100) / 100

/**
 * `perSec` new dialogs a second for `seconds` on the standard plan (50, 2/s), open loop (10 webhooks every 50 ms);
 * the ratio of the ideal time to the time the last dialog was read.
 */
export async function floodPhase(seconds: number, perSec = 200) {
  const world = await startWorld(
    'flood',
    { latencyMs: 80, burst: STANDARD.burst, drainPerSec: STANDARD.perSec },
    { B24_RATE_BURST: String(STANDARD.burst), B24_RATE_PER_SEC: String(STANDARD.perSec) },
  )
  // Warm-up (not counted): one read opens the service's TLS connection to the portal; then both buckets drain.
  const warm = mintMessages(world.portal, world.botId, 1, 1, 'chat99999')
  await post(world.service.url, (warm[0] as Message).body)
  await waitAllRead(world.portal, world.botId, lastIds(warm), 10_000)
  await sleep(2_000)
  const count = perSec * seconds
  const messages = mintMessages(world.portal, world.botId, count, count, 'chat')
  world.portal.reset()
  const started = Date.now()
  const answers: Promise<unknown>[] = []
  const perTick = perSec / 20
  let answeredAt = 0
  for (let i = 0; i < count; i += perTick) {
    await sleep(Math.max(0, started + (i / perTick) * 50 - Date.now()))
    for (const m of messages.slice(i, i + perTick)) {
      answers.push(post(world.service.url, m.body).then(() => (answeredAt = Math.max(answeredAt, Date.now()))))
    }
  }
  await Promise.all(answers)
  // The last message arrived when the service acknowledged it (a busy machine can lag behind the schedule).
  const lastSentMs = answeredAt - started
  const last = lastIds(messages)
  const { readMs, stats, ideal } = await finish(world, last, started, lastSentMs, 120_000 + seconds * 2_000)
  return {
    plan: 'standard (50 burst, 2/s)',
    dialogsPerSecond: perSec,
    seconds,
    dialogs: last.size,
    lastMessageS: round2(lastSentMs / 1000),
    idealS: round2(ideal / 1000),
    lastReadS: round2(readMs / 1000),
    ratioToLimit: round2(ideal / readMs),
    restRequests: stats.requests,
    batches: stats.batches,
    rateLimitRejections: stats.rejected503 + stats.rejected429,
    rejected503: stats.rejected503,
    rejected429: stats.rejected429,
  }
}

/** `messages` messages over `dialogs` dialogs as fast as 50 keep-alive connections send them, standard plan. */
export async function spreadPhase(messages = 2_000, dialogs = 40) {
  const world = await startWorld('spread', { latencyMs: 80, burst: STANDARD.burst, drainPerSec: STANDARD.perSec })
  const minted = mintMessages(world.portal, world.botId, messages, dialogs, 'chat')
  const last = lastIds(minted)
  world.portal.reset()
  const started = Date.now()
  let next = 0
  let answeredAt = 0
  let accepted2xx = 0
  const connection = async () => {
    for (let m = minted[next++]; m !== undefined; m = minted[next++]) {
      const status = await post(world.service.url, m.body)
      if (status >= 200 && status < 300) accepted2xx++
      answeredAt = Math.max(answeredAt, Date.now())
    }
  }
  await Promise.all(Array.from({ length: 50 }, connection))
  // The last message arrived when the service acknowledged it.
  const lastSentMs = answeredAt - started
  const { readMs, stats, ideal } = await finish(world, last, started, lastSentMs, 60_000)
  return {
    messages,
    dialogs: last.size,
    accepted2xx,
    lastMessageS: round2(lastSentMs / 1000),
    lastReadS: round2(readMs / 1000),
    secondsFromLastMessageToAllRead: round2((readMs - lastSentMs) / 1000),
    ratioToLimit: round2(ideal / readMs),
    restRequests: stats.requests,
    /** The fewest requests the limit needs: every dialog in full batches once all messages are in. */
    fewestRequests: Math.ceil(last.size / 50),
    rateLimitRejections: stats.rejected503 + stats.rejected429,
  }
}
