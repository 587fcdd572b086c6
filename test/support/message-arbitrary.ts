/** A fast-check generator of the ids and text of a user's message to the bot, for property tests of the parsers. */
import fc from 'fast-check'

/** What `messageAddEvent` needs: a bot id, a private (`123`) or group (`chat5`) dialog, a message id and its text. */
export interface MessageSpec {
  readonly botId: number
  readonly dialogId: string
  readonly messageId: number
  readonly text: string
}

/** Any message a portal could send, with text of up to `maxTextLength` graphemes. */
export function messageSpec(maxTextLength: number): fc.Arbitrary<MessageSpec> {
  return fc.record({
    botId: fc.integer({ min: 1, max: 2 ** 31 }),
    dialogId: fc.oneof(
      fc.nat(1_000_000).map((n) => `chat${n + 1}`),
      fc.integer({ min: 1, max: 1e6 }).map(String),
    ),
    messageId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    text: fc.string({ unit: 'grapheme', maxLength: maxTextLength }),
  })
}
