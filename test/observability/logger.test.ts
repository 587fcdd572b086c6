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
