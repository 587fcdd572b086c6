/** Webhook bodies for the benchmark, minted by the simulated portal so every message really exists there. */
import type { Portal } from '@b24-autoread/portal-sim'
import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'

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
