/**
 * Sends one request for a set of ready dialogs and settles each dialog's answer: the watermark's decision is applied,
 * the batch path and the portal pause learn from it, and the gate gets the error classes it should slow down for.
 * The read scheduler calls this for every slot it fills and carries out the decisions it is handed back.
 */
import type { BitrixPort, RestOutcome } from '../bitrix/port.js'
import type { BatchPath, BatchPathChange } from './batch-path.js'
import { looksLikeBatchRefusal } from './batch-path.js'
import { classifyError, type ErrorClass, isPortalWide } from './classify.js'
import type { DialogTable } from './dialog-table.js'
import { confirmRead, failRead, type Next, startRead } from './dialog-watermark.js'
import type { SlotReport } from './portal-gate.js'
import type { PortalPause } from './portal-pause.js'
import { sendReads } from './read-batch.js'
import type { ReadMethod, ReadTarget } from './read-method.js'
import type { ReadReporter, SettledRead } from './read-reporter.js'
import type { ReadRetryOptions } from './read-retry.js'
import { slotReport } from './slot-report.js'

/** What sending and settling needs of the scheduler: its parts, and how to carry out a decision. */
export interface SettleContext {
  readonly port: BitrixPort
  readonly readMethod: ReadMethod
  readonly dialogs: DialogTable
  readonly batch: BatchPath
  readonly pause: PortalPause
  readonly report: ReadReporter
  readonly retry: ReadRetryOptions
  readonly now: () => number
  /** Carries out a watermark decision for the dialog in `slot` (queue, wait, park, forget). */
  readonly carryOut: (slot: number, next: Next, attempts?: number) => void
  /** Puts the dialog first in the ready queue. */
  readonly queueFirst: (slot: number) => void
}

/** One dialog's part of a request being sent. */
interface Sent {
  readonly slot: number
  readonly target: ReadTarget
  readonly messages: number
  readonly wholeDialog: boolean
}

/** `sendAndSettle` that never rejects: a failure is logged and the paused portal keeps its next probe. */
export async function sendSafely(ctx: SettleContext, slots: readonly number[]): Promise<SlotReport> {
  try {
    return await sendAndSettle(ctx, slots)
  } catch (err) {
    ctx.report.sendFailed(err)
    return {}
  } finally {
    // A probe that failed some other way must not leave the paused portal without its next probe.
    ctx.pause.arm()
  }
}

/** Sends one request for the dialogs and settles each; resolves with what the gate should learn. */
export async function sendAndSettle(ctx: SettleContext, slots: readonly number[]): Promise<SlotReport> {
  const started = ctx.now()
  const sent: Sent[] = []
  const { dialogs } = ctx
  for (const slot of slots) {
    if (!dialogs.isActive(slot)) continue
    const step = startRead(dialogs.mark(slot))
    dialogs.setMark(slot, step.state)
    dialogs.traceSent(slot)
    const target = dialogs.target(slot, step.messageId)
    sent.push({ slot, target, messages: step.messages, wholeDialog: step.wholeDialog })
  }
  if (sent.length === 0) return { unused: true }
  const { outcomes, whole } = await sendReads(ctx.port, ctx.readMethod, sent)
  const durationMs = ctx.now() - started
  const batch = sent.length > 1
  const refusedInBatch = batch && looksLikeBatchRefusal(outcomes)
  if (batch) batchChanged(ctx, ctx.batch.batchAnswered(refusedInBatch), outcomes[0]?.[1])
  const kinds = new Set<ErrorClass>()
  let code: string | undefined
  for (const [s, outcome] of outcomes) {
    if (!outcome.ok) code ??= outcome.error.code
    const kind = refusedInBatch
      ? resendAlone(ctx, s)
      : settle(ctx, s, outcome, { durationMs, batch, wholeFailed: whole !== undefined || !batch })
    if (kind !== undefined) kinds.add(kind)
  }
  const messages = sent.reduce((n, s) => n + s.messages, 0)
  ctx.report.call({ batch, dialogs: sent.length, messages, ok: code === undefined, code, durationMs }, whole)
  const method = ctx.readMethod.method
  const times = outcomes.flatMap(([, o]) => (o.time ? [{ method, time: o.time }] : []))
  return slotReport(method, kinds, times)
}

/** A batch refused the method for every command: each read goes again alone, first, with nothing counted. */
function resendAlone(ctx: SettleContext, s: Sent): undefined {
  const { dialogs } = ctx
  dialogs.takeSentTrace(s.slot)
  dialogs.setMark(s.slot, failRead(dialogs.mark(s.slot), 'batch-refused', ctx.now(), ctx.retry).state)
  ctx.queueFirst(s.slot)
  return undefined
}

/** Applies one dialog's answer; returns the error class the gate should learn from, if any. */
function settle(
  ctx: SettleContext,
  s: Sent,
  outcome: RestOutcome,
  how: { durationMs: number; batch: boolean; wholeFailed: boolean },
): ErrorClass | undefined {
  const { dialogs } = ctx
  const read: SettledRead = {
    target: s.target,
    trace: dialogs.takeSentTrace(s.slot),
    durationMs: how.durationMs,
    batch: how.batch,
  }
  if (!how.batch) batchChanged(ctx, ctx.batch.singleAnswered(outcome), outcome)
  if (outcome.ok) {
    const step = confirmRead(dialogs.mark(s.slot), ctx.now())
    dialogs.setMark(s.slot, step.state)
    if (ctx.pause.error !== undefined) ctx.report.resumed(ctx.pause.resume())
    ctx.report.confirmed(read, { lagMs: step.lagMs, messages: step.messages }, outcome.result)
    ctx.carryOut(s.slot, step.next)
    return undefined
  }
  const { error } = outcome
  const kind = classifyError(error)
  const step = failRead(dialogs.mark(s.slot), kind, ctx.now(), ctx.retry)
  dialogs.setMark(s.slot, step.state)
  if (step.action === 'pause' && ctx.pause.pause(error)) ctx.report.paused(error, ctx.retry.probeIntervalMs)
  ctx.report.failed(read, step.action, kind, error, step.state.attempts)
  ctx.carryOut(s.slot, step.next, step.state.attempts)
  // Only portal-wide signals slow the portal: a request that failed as a whole (an outage) on a dialog's first
  // failure; a dialog failing again, or alone inside a batch, waits out its own backoff.
  if (isPortalWide(kind)) return kind
  return kind === 'transient' && how.wholeFailed && step.state.attempts === 1 ? kind : undefined
}

function batchChanged(ctx: SettleContext, change: BatchPathChange, outcome: RestOutcome | undefined): void {
  if (change === undefined) return
  const code = outcome && !outcome.ok ? outcome.error.code : undefined
  ctx.report.batchPath(change, code)
}
