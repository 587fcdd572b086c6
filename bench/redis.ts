/** A redis-server of the bench's own (from the PATH) on a free port with a temporary directory, fsynced on every write. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './processes.js'

/** A running bench Redis: its URL, and `stop` to kill it and remove its directory. */
export interface BenchRedis {
  readonly url: string
  stop(): Promise<void>
}

/** Starts Redis with the append-only file fsynced on every write (the setting the README recommends). */
export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'b24-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes']
  const child: ChildProcess = spawn('redis-server', [...args, '--appendfsync', 'always'], { stdio: 'pipe' })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', () => reject(new Error(`redis-server exited: ${out.slice(-500)}`)))
    child.once('error', reject)
  })
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
