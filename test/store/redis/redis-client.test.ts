import { generateTlsMaterial } from '@b24-autoread/portal-sim'
import type { Redis } from 'ioredis'
import { afterEach, expect, it } from 'vitest'
import { createRedisClient } from '../../../src/store/redis/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { describeRedis, TestRedisServer } from '../../support/redis-server.js'

const ignore = (): void => {}

describeRedis('redis client: passwords and TLS through the URL', () => {
  const servers: TestRedisServer[] = []
  const clients: Redis[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect()
    for (const server of servers.splice(0)) await server.dispose()
  })
  async function start(options: Parameters<typeof TestRedisServer.start>[0]): Promise<TestRedisServer> {
    const server = await TestRedisServer.start(options)
    servers.push(server)
    return server
  }

  it('sends the password from the URL, and a wrong one is refused without being repeated', async () => {
    const server = await start({ password: 'right-pass-123' })
    const redis = await createRedisClient({ url: server.url(), onError: ignore })
    clients.push(redis)
    expect(await redis.ping()).toBe('PONG')
    const wrong = server.url().replace('right-pass-123', 'wrong-pass-456')
    const refused = await RedisStore.open({ url: wrong }).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(refused).toMatchObject({ code: 'STORE_UNAVAILABLE', cause: { message: expect.stringMatching(/WRONGPASS/) } })
    expect(String(refused)).not.toContain('wrong-pass-456')
  })

  it('speaks TLS for rediss:// and verifies the server certificate against the given CA', async () => {
    const tls = await generateTlsMaterial({ commonName: 'redis-test' })
    const server = await start({ tls })
    expect(server.url()).toMatch(/^rediss:\/\//)
    const redis = await createRedisClient({ url: server.url(), onError: ignore, ca: tls.cert })
    clients.push(redis)
    expect(await redis.ping()).toBe('PONG')
    await expect(createRedisClient({ url: server.url(), onError: ignore, connectTimeoutMs: 2_000 })).rejects.toThrow(
      /self[- ]signed|certificate/i,
    )
  })
})
