/**
 * A `redis-server` of the test's own (from the PATH) on a free port of 127.0.0.1 with a temporary directory, so a
 * test can stop, SIGKILL and restart it on the same port and directory. It never touches a Redis it did not start.
 * Where no binary exists, `describeRedis` reports the suite as skipped with one line saying how to install it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe } from 'vitest'
import { createRedisClient } from '../../src/store/redis/redis-client.js'

/** The `redis-server` binary on the PATH, undefined when there is none. */
export const redisServerBinary: string | undefined = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir !== '')
  .map((dir) => join(dir, 'redis-server'))
  .find((file) => {
    try {
      accessSync(file, constants.X_OK)
      return true
    } catch {
      return false
    }
  })

/** The one line that says how to get the Redis tests to run. */
export const REDIS_INSTALL_HINT = 'redis-server not found on PATH: apt-get install redis-server'

/** `describe` for suites that need a real Redis: skipped, with the install hint as its title, when none exists. */
export function describeRedis(name: string, body: () => void): void {
  if (redisServerBinary === undefined) describe.skip(`${name} (${REDIS_INSTALL_HINT})`, body)
  else describe(name, body)
}

/** How to run the server. */
export interface RedisServerOptions {
  /** Append-only file on (fsync on every write, so an acknowledged write survives a SIGKILL) or off. */
  readonly appendonly?: boolean
  /** `requirepass`: clients must send it (through the URL). */
  readonly password?: string
  /** Serve TLS only (`rediss://`) with this key and certificate; clients trust the certificate as their CA. */
  readonly tls?: { readonly key: string; readonly cert: string }
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; another process could take it before Redis does). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** One `redis-server` process, restartable on the same port and directory. */
export class TestRedisServer {
  readonly port: number
  readonly dir: string
  readonly appendonly: boolean
  readonly #options: RedisServerOptions
  #child: ChildProcess | undefined
  #log = ''

  private constructor(port: number, dir: string, options: RedisServerOptions) {
    this.port = port
    this.dir = dir
    this.appendonly = options.appendonly ?? false
    this.#options = options
  }

  /** Starts a server on a free port in a new temporary directory. */
  static async start(options: RedisServerOptions = {}): Promise<TestRedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'b24-redis-'))
    // Another process may take the free port before Redis binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const server = new TestRedisServer(await freePort(), dir, options)
      try {
        await server.start()
        return server
      } catch (err) {
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true })
          throw err
        }
      }
    }
  }

  /** `redis://127.0.0.1:<port>/<db>` (`rediss://` with TLS), with the password when one is set. */
  url(db = 0): string {
    const scheme = this.#options.tls === undefined ? 'redis' : 'rediss'
    const auth = this.#options.password === undefined ? '' : `:${encodeURIComponent(this.#options.password)}@`
    return `${scheme}://${auth}127.0.0.1:${this.port}/${db}`
  }

  #args(): string[] {
    const { password, tls } = this.#options
    const args = password === undefined ? [] : ['--requirepass', password]
    if (tls === undefined) return [...args, '--port', String(this.port)]
    const cert = join(this.dir, 'tls-cert.pem')
    const key = join(this.dir, 'tls-key.pem')
    writeFileSync(cert, tls.cert)
    writeFileSync(key, tls.key, { mode: 0o600 })
    return [
      ...args,
      '--port',
      '0',
      '--tls-port',
      String(this.port),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
    ].concat(['--tls-auth-clients', 'no'])
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== undefined
  }

  /** Starts (or restarts) the process on this port and directory; resolves when it accepts connections. */
  async start(): Promise<void> {
    if (this.#child !== undefined) return
    if (redisServerBinary === undefined) throw new Error(REDIS_INSTALL_HINT)
    const args = [
      ...this.#args(),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.appendonly ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
      '--loglevel',
      'notice',
      '--logfile',
      '',
    ]
    const child = spawn(redisServerBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    live.add(child)
    this.#log = ''
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        this.#log += chunk.toString()
        if (this.#log.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData)
          child.off('exit', onExit)
          resolve()
        }
      }
      const onExit = (code: number | null): void => {
        live.delete(child)
        this.#child = undefined
        reject(new Error(`redis-server exited with ${code} before it was ready:\n${this.#log.slice(-2000)}`))
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', (chunk: Buffer) => {
        this.#log += chunk.toString()
      })
      child.once('exit', onExit)
    })
  }

  /** Stops the process with SIGTERM (Redis finishes its append-only file) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.#end('SIGTERM')
  }

  /** Kills the process with SIGKILL, as a crash or a vanished host would, and waits for it to exit. */
  async kill(): Promise<void> {
    await this.#end('SIGKILL')
  }

  /** Stops (or kills) and starts again on the same port and directory. */
  async restart(how: 'stop' | 'kill' = 'stop'): Promise<void> {
    if (how === 'kill') await this.kill()
    else await this.stop()
    await this.start()
  }

  /** Stops the process and removes its directory. */
  async dispose(): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child
    if (child === undefined) return
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill(signal)
      await exited
    }
    live.delete(child)
    this.#child = undefined
  }
}

/** A suite's own server and clients: what `useRedisServer` hands back. */
export interface RedisSuite {
  /** The running server (after the suite's `beforeAll`). */
  server(): TestRedisServer
  /** A new connected client (scripts defined), disconnected after the suite. */
  client(): Promise<Redis>
}

/** Starts one server for the enclosing suite and disposes it, and every client made from it, after the suite. */
export function useRedisServer(options: RedisServerOptions = {}): RedisSuite {
  let server: TestRedisServer | undefined
  const clients: Redis[] = []
  beforeAll(async () => {
    server = await TestRedisServer.start(options)
  })
  afterAll(async () => {
    for (const client of clients.splice(0)) client.disconnect()
    await server?.dispose()
  })
  const running = (): TestRedisServer => {
    if (server === undefined) throw new Error('useRedisServer: the server starts in beforeAll')
    return server
  }
  return {
    server: running,
    async client() {
      const client = await createRedisClient({ url: running().url(), onError: () => {} })
      clients.push(client)
      return client
    },
  }
}
