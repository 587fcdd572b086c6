import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { startCliWorld } from '../support/cli-run.js'

/** Runs the real entry (`src/cli/main.ts` through tsx) as a child process. */
function runEntry(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', NO_PROXY: '127.0.0.1', ...env }, timeout: 15_000 },
      (error, out, err) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, out, err })
      },
    )
  })
}

describe('the b24-autoread executable', () => {
  it('prints its help and exits 0', async () => {
    const run = await runEntry(['--help'], {})
    expect(run).toMatchObject({ code: 0, err: '' })
    expect(run.out).toContain('Usage: b24-autoread <command> [options]')
  })

  it('talks to a portal, exits with the portal error code, and does not hang on kept-alive sockets', async () => {
    const world = await startCliWorld()
    try {
      const started = Date.now()
      const run = await runEntry(['info', '--bot-id', '777', '--token', 'child-token-123456'], world.env)
      expect(run.code).toBe(1)
      expect(run.err).toContain('BOT_NOT_FOUND')
      expect(run.err).not.toContain('child-token-123456')
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await world.close()
    }
  })
})
