/**
 * In-process cost of the intake's body steps (issue 13), alternating in one process so machine load hits each alike:
 * the id scan the 200 waits for (`scanMessage`), and the full decode plus `parseEvent` that runs after it in the
 * lane (`ScannedMessage.decode`), on the bench's ~1 KB body and the real 4.4 KB capture. Prints medians in µs.
 * Usage: `tsx bench/intake-steps.ts [rounds]`.
 */
import { messageAddEvent, readFixture } from '@b24-autoread/portal-sim/events'
import { DEFAULT_FORM_LIMITS } from '../src/events/form-body.js'
import { scanMessage } from '../src/events/scanned-message.js'
import { compactBody, median } from './workload.js'

const rounds = Number(process.argv[2] ?? 15)
const perRound = 2_000
const bodies = {
  compact: compactBody(messageAddEvent({ dialogId: 'chat7', messageId: 41 })),
  real: readFixture('v2-message-add-openline.capture.form').trim(),
}

/** µs per call of `step` over `perRound` calls. */
function time(step: () => unknown): number {
  const started = process.hrtime.bigint()
  for (let i = 0; i < perRound; i++) step()
  return Number(process.hrtime.bigint() - started) / 1000 / perRound
}

for (const [name, raw] of Object.entries(bodies)) {
  const scanned = scanMessage(raw, DEFAULT_FORM_LIMITS)
  if (scanned === undefined || !scanned.decode().ok) throw new Error(`${name}: not a well-formed new message`)
  const scan: number[] = []
  const decode: number[] = []
  for (let r = 0; r < rounds; r++) {
    scan.push(time(() => scanMessage(raw, DEFAULT_FORM_LIMITS)))
    decode.push(time(() => scanned.decode()))
  }
  const us = (v: number[]) => median(v).toFixed(1)
  console.log(
    `${name} (${raw.length} B): scan before the 200 ${us(scan)} µs, full decode + parseEvent after it ${us(decode)} µs`,
  )
}
