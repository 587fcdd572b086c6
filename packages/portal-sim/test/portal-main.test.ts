import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson } from './support/https-json.js'

const BIN = fileURLToPath(new URL('../bin/portal-sim.js', import.meta.url))

interface Started {
  url: string
  webhookUrl: string
  caFile: string
  controlUrl: string
  bots: Array<{ id: number; code: string; eventMode: string; applicationToken: string }>
}

async function control(base: string, path: string, body?: object): Promise<unknown> {
  const res = await fetch(`${base}${path}`, body ? { method: 'POST', body: JSON.stringify(body) } : {})
  return res.json()
}

describe('the standalone portal (bin/portal-sim.js)', () => {
  let child: ChildProcess
  let started: Started

  beforeAll(async () => {
    child = spawn(process.execPath, [BIN, '--burst', '5', '--rate', '1', '--bot', 'autoread:tok'], {
      env: { ...process.env, PORTAL_LATENCY_MS: '0-2' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const [line] = await Promise.race([
      new Promise<string[]>((resolve) => lines.once('line', (l: string) => resolve([l]))),
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`exited ${code}`)))),
    ])
    started = JSON.parse(line ?? '')
  })

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  })

  it('prints one JSON line with url, webhookUrl, caFile, controlUrl and the bots it registered', () => {
    expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(started.webhookUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/rest\/1\/[0-9a-f]+\/$/)
    expect(readFileSync(started.caFile, 'utf8')).toMatch(/BEGIN CERTIFICATE/)
    expect(started.bots).toEqual([
      { id: expect.any(Number), code: 'autoread', eventMode: 'fetch', applicationToken: expect.any(String) },
    ])
  })

  it('serves REST with the printed CA and is driven through the control API', async () => {
    const ca = readFileSync(started.caFile, 'utf8')
    const botId = started.bots[0]?.id
    const sent = (await control(started.controlUrl, '/user-sends', { botId, dialogId: '27' })) as { messageId: number }
    const read = await postJson(
      `${started.webhookUrl}imbot.v2.Chat.Message.read`,
      { botId, botToken: 'tok', dialogId: '27', messageId: sent.messageId },
      { ca },
    )
    expect(read.status).toBe(200)
    expect(await control(started.controlUrl, `/read-state?readerId=${botId}&dialogId=27`)).toEqual({
      lastReadId: sent.messageId,
      unread: 0,
    })
    expect(await control(started.controlUrl, '/stats')).toMatchObject({ reads: 1, regressions: 0 })
  })

  it('stops on SIGTERM and removes its certificate file', async () => {
    child.kill('SIGTERM')
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
    expect(existsSync(started.caFile)).toBe(false)
  })
})
