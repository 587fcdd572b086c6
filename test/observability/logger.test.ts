import { describe, expect, it } from 'vitest'
import { createLogger, MAX_SECRETS, SecretScrubber } from '../../src/observability/logger.js'
import { memoryLogLines } from '../support/fake-port.js'

describe('secret scrubbing', () => {
  it('replaces every registered secret, raw or URL-encoded, wherever it appears in a line', () => {
    const scrubber = new SecretScrubber()
    scrubber.add('bot/token+secret=1', true)
    const sink = memoryLogLines()
    const log = createLogger({ level: 'info', scrubber, destination: sink })
    log.info({ note: 'x bot/token+secret=1 y', url: `https://h/${encodeURIComponent('bot/token+secret=1')}` }, 'hello')
    log.flush()
    expect(sink.lines.join('')).not.toContain('bot/token+secret=1')
    expect(sink.lines.join('')).not.toContain(encodeURIComponent('bot/token+secret=1'))
    expect(sink.lines.join('')).toContain('[REDACTED]')
  })

  it('stays bounded with rotating runtime tokens and never forgets the configured secrets', () => {
    const scrubber = new SecretScrubber()
    scrubber.add('configured-bot-token', true)
    for (let i = 0; i < MAX_SECRETS + 100; i++) scrubber.add(`rotating-access-token-${i}`)
    expect(scrubber.scrub('configured-bot-token')).toBe('[REDACTED]')
    expect(scrubber.scrub(`rotating-access-token-${MAX_SECRETS + 99}`)).toBe('[REDACTED]')
    expect(scrubber.scrub('rotating-access-token-0 ')).toBe('rotating-access-token-0 ')
  })

  it('finds token-shaped secrets inside longer words and URL-encoded text, and keeps other words', () => {
    const scrubber = new SecretScrubber()
    const token = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
    scrubber.add(token)
    scrubber.add('client-secret-1', true)
    const line = `auth%3D${token}&x=${token}${token} prefix${token}suffix client-secret-1. a1b2c3d4e5f6 ok`
    expect(scrubber.scrub(line)).toBe(
      'auth%3D[REDACTED]&x=[REDACTED][REDACTED] prefix[REDACTED]suffix [REDACTED]. a1b2c3d4e5f6 ok',
    )
  })

  it('keeps and scrubs the tokens of thousands of portals, a line costing about the same as with ten', () => {
    const scrubber = new SecretScrubber()
    // Access and refresh tokens of 5,000 portals.
    const tokens = Array.from({ length: 10_000 }, (_, i) => `${String(i).padStart(8, '0')}${'f'.repeat(24)}`)
    for (const token of tokens) scrubber.add(token)
    const line = JSON.stringify({
      level: 30,
      time: Date.now(),
      service: 'b24-autoread',
      mod: 'reads',
      portal: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      botId: 456,
      dialogId: 'chat12345',
      messageId: 987654,
      first: tokens[0],
      last: `/rest/imbot.v2.Chat.Message.read?auth=${tokens[9_999]}`,
      msg: 'message read',
    })
    const started = performance.now()
    for (let i = 0; i < 2000; i++) expect(scrubber.scrub(line)).not.toContain('ffffffffffffffffffffffff')
    // Tens of milliseconds on a quiet machine; one pattern of every secret takes seconds (and is rebuilt per add).
    expect(performance.now() - started).toBeLessThan(3000)
  })

  it('redacts fixed paths such as botToken and auth blocks', () => {
    const sink = memoryLogLines()
    const log = createLogger({ level: 'info', destination: sink })
    log.info({ params: { botToken: 'abc' }, auth: { access_token: 'x' } }, 'call')
    log.flush()
    const line = JSON.parse(sink.lines[0] ?? '{}')
    expect(line.params.botToken).toBe('[REDACTED]')
    expect(line.auth).toBe('[REDACTED]')
  })
})
