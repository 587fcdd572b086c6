/**
 * Runs the service entry (`src/server.ts` through tsx's loader, one process: a signal reaches the service itself)
 * as a child process, waits for it to listen, and keeps everything it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A running (or exited) service process. */
export interface ChildService {
  readonly process: ChildProcess
  /** `http://127.0.0.1:PORT` once listening. */
  readonly url: string
  /** Milliseconds from spawn to the "listening" line. */
  readonly startMs: number
  /** stdout and stderr so far. */
  printed(): string
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Environment the child inherits besides `env`: enough to run node, never the parent's secrets. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SystemRoot']
  const out: Record<string, string> = { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }
  for (const key of keep) {
    const value = process.env[key]
    if (value !== undefined) out[key] = value
  }
  return out
}

/** Starts the entry with `env` without waiting for it (`url` stays empty); e.g. to watch a bad config fail. */
export function runService(env: Record<string, string>): ChildService {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return { process: child, url: '', startMs: 0, printed: () => output, exited }
}

/** Starts the entry and waits (at most `timeoutMs`) for its "listening" line. */
export async function startService(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildService> {
  const service = runService(env)
  const started = Date.now()
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      service.process.kill('SIGKILL')
      reject(new Error(`the service did not listen within ${timeoutMs} ms:\n${service.printed().slice(-2_000)}`))
    }, timeoutMs)
    const check = () => {
      const match = /"address":"(http:\/\/[^"]+)"[^\n]*"msg":"b24-autoread listening"/.exec(service.printed())
      if (match?.[1]) {
        clearTimeout(timer)
        service.process.stdout?.off('data', check)
        resolve(match[1])
      }
    }
    service.process.stdout?.on('data', check)
    void service.exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`the service exited (${code ?? signal}) before listening:\n${service.printed().slice(-2_000)}`))
    })
  })
  return { ...service, url: address, startMs: Date.now() - started }
}

/** Kills every child still running (SIGKILL) and waits until all have exited; for a test's teardown. */
export async function killAll(children: readonly ChildService[]): Promise<void> {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL')
    await child.exited
  }
}
