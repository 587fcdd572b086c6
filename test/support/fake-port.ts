/** An in-memory `BitrixPort` for unit tests: records every request and answers through a programmable handler. */
import type { BatchOutcome, BitrixPort, RestCall, RestOutcome } from '../../src/bitrix/port.js'

/** One recorded request: a single call, or a batch of calls. */
export type Recorded =
  | { readonly kind: 'call'; readonly call: RestCall }
  | { readonly kind: 'batch'; readonly calls: RestCall[] }

/** Answers one call (also each command of a batch). */
export type Answer = (call: RestCall) => RestOutcome | Promise<RestOutcome>

/** A fake port plus its recording and controls. */
export interface FakePort extends BitrixPort {
  readonly recorded: Recorded[]
  /** Replaces how calls are answered. */
  answer: Answer
  /** When set, a whole batch request fails with this outcome. */
  batchAnswer: ((calls: RestCall[]) => BatchOutcome | undefined) | undefined
  /** Holds every answer until `release()` is called. */
  hold(): void
  release(): void
}

/** The documented success body of `imbot.v2.Chat.Message.read` for a call. */
export function readOk(call: RestCall): RestOutcome {
  const messageId = Number(call.params.messageId)
  return {
    ok: true,
    result: { chatId: 5, lastId: messageId, counter: 0, viewedMessages: [messageId] },
    time: { operating: 0 },
  }
}

/** Creates a fake port that confirms every read. */
export function fakePort(): FakePort {
  let gate: Promise<void> | undefined
  let open: (() => void) | undefined
  const port: FakePort = {
    portal: 'fake.bitrix24.test',
    recorded: [],
    answer: readOk,
    batchAnswer: undefined,
    hold() {
      gate = new Promise((resolve) => (open = resolve))
    },
    release() {
      open?.()
      gate = undefined
    },
    async call<T>(call: RestCall): Promise<RestOutcome<T>> {
      port.recorded.push({ kind: 'call', call })
      await gate
      return (await port.answer(call)) as RestOutcome<T>
    },
    async batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome> {
      const list = [...calls.values()]
      port.recorded.push({ kind: 'batch', calls: list })
      await gate
      const whole = port.batchAnswer?.(list)
      if (whole) return whole
      const results = new Map<string, RestOutcome>()
      for (const [key, call] of calls) results.set(key, await port.answer(call))
      return { ok: true, results }
    },
  }
  return port
}

/** A pino-compatible logger that keeps lines in memory. */
export function memoryLogLines(): { lines: string[]; write(line: string): void } {
  const lines: string[] = []
  return { lines, write: (line: string) => lines.push(line) }
}
