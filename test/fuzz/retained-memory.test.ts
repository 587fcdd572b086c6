/**
 * What the service keeps per accepted event (a dedupe key, a dialog's watermark) must not keep the request body
 * alive: V8 pins a whole string for any slice of it, and the form decoder slices values out of the body.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { messageAddEvent, phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorld, TEST_SECRETS, type World } from '../support/service.js'

let world: World
beforeAll(async () => {
  world = await startWorld({ env: { BODY_LIMIT_BYTES: String(128 * 1024), LOG_LEVEL: 'warn' } })
})
afterAll(async () => {
  await world.close()
})

describe('memory kept per accepted event', () => {
  it('does not grow with the size of the bodies', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const body = (i: number) =>
      phpHttpBuildQuery(
        messageAddEvent({
          botId: world.botId,
          applicationToken: TEST_SECRETS.applicationToken,
          dialogId: `chat${1 + (i % 40)}`,
          messageId: 1_000_000 + i,
          text: 'x'.repeat(64 * 1024),
        }),
      )
    const send = async (i: number) => {
      const res = await world.service.app.inject({
        method: 'POST',
        url: '/bitrix24/events',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: body(i),
      })
      expect(res.statusCode).toBe(200)
    }
    for (let i = 0; i < 20; i++) await send(i)
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 20; i < 320; i++) await send(i)
    await world.service.reads.flush(5_000)
    gc()
    const grown = process.memoryUsage().heapUsed - before
    // 300 bodies of 64 KB: about 19 MB if each accepted event kept its body.
    expect(grown).toBeLessThan(6 * 1024 * 1024)
  })
})
