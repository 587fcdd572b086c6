import { bitrixDate } from './events/event-parts.js'
import type { OperatingSnapshot } from './operating-time.js'

/** The `time` block of every successful REST response (`data-types.md#time`, plus the operating fields). */
export interface TimeBlock {
  start: number
  finish: number
  duration: number
  processing: number
  date_start: string
  date_finish: string
  operating_reset_at: number
  operating: number
}

/** Builds a `time` block from wall-clock ms and the method's operating snapshot. */
export function timeBlock(startMs: number, finishMs: number, operating: OperatingSnapshot): TimeBlock {
  const duration = Math.max(0, finishMs - startMs) / 1000
  return {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration,
    processing: duration,
    date_start: bitrixDate(new Date(startMs)),
    date_finish: bitrixDate(new Date(finishMs)),
    operating_reset_at: operating.resetAt,
    operating: operating.operating,
  }
}
