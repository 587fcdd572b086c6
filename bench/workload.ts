/** Webhook bodies for the benchmark, minted by the simulated portal so every message really exists there. */
import type { Portal } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery, readFixture } from '@b24-autoread/portal-sim/events'

/** One prepared webhook: its form body and what it should lead to. */
export interface Message {
  readonly dialogId: string
  readonly messageId: number
  readonly body: string
}

/**
 * A ~1 KB form-encoded ONIMBOTV2MESSAGEADD: the portal's full event minus the callback OAuth block and most of the
 * author's profile (real bodies carry both and are ~2.4 KB; the goal names ~1 KB).
 */
export function compactBody(event: object): string {
  const e = structuredClone(event) as { data: { bot: Record<string, unknown>; user: Record<string, unknown> } }
  delete e.data.bot.auth
  const { id, name, bot, active } = e.data.user
  e.data.user = { id, name, bot, active }
  return phpHttpBuildQuery(e)
}

/** `count` messages spread round-robin over `dialogs` dialogs (`chat1`..), in send order. */
export function mintMessages(
  portal: Portal,
  botId: number,
  count: number,
  dialogs: number,
  prefix = 'chat',
): Message[] {
  const out: Message[] = []
  for (let i = 0; i < count; i++) {
    const dialogId = `${prefix}${(i % dialogs) + 1}`
    const sent = portal.userSends({ botId, dialogId, authorId: 1 + (i % 97), text: `load message ${i}` })
    out.push({ dialogId, messageId: sent.messageId, body: compactBody(sent.event) })
  }
  return out
}

/** The ids and token of the captured real body, as it carries them (replaced for each message). */
const CAPTURED = {
  botId: 'data%5Bbot%5D%5Bid%5D=511&',
  messageId: 'data%5Bmessage%5D%5Bid%5D=1093189&',
  dialogId: 'data%5Bchat%5D%5BdialogId%5D=chat19167&',
  applicationToken: '&auth%5Bapplication_token%5D=c76f868e%E2%80%A6cd7c',
} as const

/**
 * `count` messages like `mintMessages`, each sent as the body a real portal sent (the captured Open Lines
 * ONIMBOTV2MESSAGEADD, 4.4 KB with both OAuth blocks), with its bot, message, dialog and application token replaced.
 */
export function mintRealBodies(
  portal: Portal,
  botId: number,
  applicationToken: string,
  count: number,
  dialogs: number,
): Message[] {
  const template = readFixture('v2-message-add-openline.capture.form').trim()
  for (const part of Object.values(CAPTURED)) {
    if (!template.includes(part)) throw new Error(`the captured body no longer holds ${part}`)
  }
  const withBot = template
    .replace(CAPTURED.botId, `data%5Bbot%5D%5Bid%5D=${botId}&`)
    .replace(CAPTURED.applicationToken, `&auth%5Bapplication_token%5D=${encodeURIComponent(applicationToken)}`)
  return mintMessages(portal, botId, count, dialogs).map((m) => ({
    ...m,
    body: withBot
      .replace(CAPTURED.messageId, `data%5Bmessage%5D%5Bid%5D=${m.messageId}&`)
      .replace(CAPTURED.dialogId, `data%5Bchat%5D%5BdialogId%5D=${m.dialogId}&`),
  }))
}

/** The highest message id per dialog. */
export function lastIds(messages: readonly Message[]): Map<string, number> {
  const last = new Map<string, number>()
  for (const m of messages) last.set(m.dialogId, Math.max(last.get(m.dialogId) ?? 0, m.messageId))
  return last
}

/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

/** The median of a list. */
export function median(values: readonly number[]): number {
  return percentile(values, 50)
}
