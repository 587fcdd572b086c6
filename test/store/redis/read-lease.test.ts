import type { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { type DialogRef, dialogField, redisKeys } from '../../../src/store/redis/keys.js'
import {
  acquireReadLease,
  confirmRead,
  type ReadLease,
  releaseReadLease,
  renewReadLease,
} from '../../../src/store/redis/read-lease.js'
import { describeRedis, useRedisServer } from '../../support/redis-server.js'

const keys = redisKeys('lease:')

describeRedis('read lease with fencing tokens', () => {
  let dialogs = 0
  const freshDialog = (): DialogRef => ({ portal: 'a.bitrix24.test', botId: 7, dialogId: `chat${++dialogs}` })

  const { client } = useRedisServer()
  async function mustAcquire(redis: Redis, dialog: DialogRef, owner: string, ttlMs: number): Promise<ReadLease> {
    const attempt = await acquireReadLease(redis, keys, dialog, owner, ttlMs)
    if (!attempt.held) throw new Error(`${owner} did not get the lease`)
    return attempt.lease
  }

  it('gives the lease to exactly one of many replicas asking at once', async () => {
    const dialog = freshDialog()
    const replicas = await Promise.all(Array.from({ length: 8 }, () => client()))
    const attempts = await Promise.all(
      replicas.map((redis, i) => acquireReadLease(redis, keys, dialog, `replica-${i}`, 10_000)),
    )
    expect(attempts.filter((a) => a.held)).toHaveLength(1)
    for (const a of attempts) if (!a.held) expect(a.retryMs).toBeGreaterThan(9_000)
  })

  it('lets another replica take over once a lease lapses, with a higher fencing token', async () => {
    const [a, b] = [await client(), await client()]
    const dialog = freshDialog()
    const first = await mustAcquire(a, dialog, 'replica-a', 200)
    expect((await acquireReadLease(b, keys, dialog, 'replica-b', 200)).held).toBe(false)
    await expect
      .poll(async () => (await acquireReadLease(b, keys, dialog, 'replica-b', 5_000)).held, {
        timeout: 5_000,
        interval: 20,
      })
      .toBe(true)
    const second = await mustAcquire(b, dialog, 'replica-b', 5_000)
    expect(second.token).toBeGreaterThan(first.token)
    expect(await renewReadLease(a, keys, dialog, first)).toBe(false)
    expect(await releaseReadLease(a, keys, dialog, first)).toBe(false)
    expect(await renewReadLease(b, keys, dialog, second)).toBe(true)
  })

  it('refuses a confirmation with a stale fencing token, and accepts the current holder', async () => {
    const [a, b] = [await client(), await client()]
    const dialog = freshDialog()
    const stale = await mustAcquire(a, dialog, 'replica-a', 10_000)
    expect(await releaseReadLease(a, keys, dialog, stale)).toBe(true)
    const current = await mustAcquire(b, dialog, 'replica-b', 10_000)
    expect(await confirmRead(a, keys, dialog, stale.token, 50)).toBe('stale-token')
    expect(await a.hget(keys.confirmed, dialogField(dialog))).toBeNull()
    expect(await confirmRead(b, keys, dialog, current.token, 40)).toBe('confirmed')
    expect(await b.hget(keys.confirmed, dialogField(dialog))).toBe('40')
  })

  it('never lowers the confirmed watermark, and clears the pending read the id covers', async () => {
    const redis = await client()
    const dialog = freshDialog()
    const field = dialogField(dialog)
    const lease = await mustAcquire(redis, dialog, 'replica-a', 10_000)
    await redis.hset(keys.pending, field, 30)
    expect(await confirmRead(redis, keys, dialog, lease.token, 25)).toBe('confirmed')
    expect(await redis.hget(keys.pending, field)).toBe('30')
    expect(await confirmRead(redis, keys, dialog, lease.token, 20)).toBe('not-higher')
    expect(await redis.hget(keys.confirmed, field)).toBe('25')
    expect(await confirmRead(redis, keys, dialog, lease.token, 30)).toBe('confirmed')
    expect(await redis.hget(keys.pending, field)).toBeNull()
    expect(await redis.hget(keys.confirmed, field)).toBe('30')
  })

  it('renews for the same owner without a new token, and a release frees the dialog at once', async () => {
    const [a, b] = [await client(), await client()]
    const dialog = freshDialog()
    const lease = await mustAcquire(a, dialog, 'replica-a', 10_000)
    const again = await mustAcquire(a, dialog, 'replica-a', 10_000)
    expect(again.token).toBe(lease.token)
    expect(await releaseReadLease(a, keys, dialog, lease)).toBe(true)
    const next = await mustAcquire(b, dialog, 'replica-b', 10_000)
    expect(next.token).toBe(lease.token + 1)
  })
})
