import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LmdbStore } from '../../src/store/lmdb-store.js'
import { runCli } from '../support/cli-run.js'

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('b24-autoread pending', () => {
  it('lists the stored reads not yet confirmed (pending, paused or parked), as text and as JSON', async () => {
    dir = mkdtempSync(join(tmpdir(), 'b24-autoread-pending-'))
    const store = await LmdbStore.open({ dir })
    await store.savePending({ botId: 7, dialogId: 'chat1', messageId: 10 })
    await store.savePending({ botId: 7, dialogId: 'chat2', messageId: 20 })
    await store.saveConfirmed({ botId: 7, dialogId: 'chat2', messageId: 20 })
    await store.close()
    const text = await runCli(['pending'], { STATE_DIR: dir })
    expect(text.code).toBe(0)
    expect(text.out).toBe('bot 7 dialog chat1 up to message 10\n1 read(s) pending\n')
    const json = await runCli(['pending', '--json', '--state-dir', dir], {})
    expect(json.json()).toEqual({
      ok: true,
      command: 'pending',
      count: 1,
      reads: [{ botId: 7, dialogId: 'chat1', messageId: 10 }],
    })
  })

  it('reports nothing pending for a state directory that holds no store yet', async () => {
    dir = mkdtempSync(join(tmpdir(), 'b24-autoread-pending-'))
    const run = await runCli(['pending', '--json'], { STATE_DIR: join(dir, 'missing') })
    expect(run.json()).toEqual({ ok: true, command: 'pending', count: 0, reads: [] })
  })
})
