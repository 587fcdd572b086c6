/**
 * The service without the world, in the manner of fastify/demo's `build()`: the real composition root with a fake
 * portal port, a memory store and a silent logger, driven through `service.app.inject`. Nothing listens; the service
 * is closed when the test ends.
 */

import { phpHttpBuildQuery } from '@b24-autoread/portal-sim/events'
import type { LightMyRequestResponse } from 'fastify'
import { type Logger, pino } from 'pino'
import { onTestFinished } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createMetrics } from '../../src/observability/metrics.js'
import type { Middleware } from '../../src/pipeline/compose.js'
import type { EventContext } from '../../src/pipeline/context.js'
import { onePortal } from '../../src/reads/portal-registry.js'
import { buildService, type Service } from '../../src/service.js'
import { MemoryStore } from '../../src/store/memory-store.js'
import { type FakePort, fakePort } from './fake-port.js'

/** The bot and its secrets as the built service is configured (the event builders' default bot id is 456). */
export const BUILT_BOT = {
  id: 456,
  botToken: 'bot-token-build-4e1f0a9c',
  applicationToken: 'app-token-build-8b2d6c13',
} as const

/** Options for `build`. */
export interface BuildOptions {
  /** Environment overrides (undefined removes a variable). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly handlers?: readonly Middleware<EventContext>[]
  /** The portal's port (default: a fake that confirms every read). */
  readonly port?: FakePort
  /** The service's logger (default: silent). */
  readonly log?: Logger
}

/** A built service and its fake portal. */
export interface Built {
  readonly service: Service
  readonly port: FakePort
  readonly store: MemoryStore
  /** Posts a webhook body form-encoded, as Bitrix24 does, to `path` (default the events path). */
  post(body: object, path?: string): Promise<LightMyRequestResponse>
  /** The reads the portal was asked for, in order (single calls and batch commands alike). */
  readsSent(): Array<{ dialogId: string; messageId: number }>
}

/** Builds the service for one test (closed when the test ends). */
export async function build(options: BuildOptions = {}): Promise<Built> {
  const env: Record<string, string | undefined> = {
    B24_WEBHOOK_URL: 'https://fake.bitrix24.test/rest/1/webhook-secret-build/',
    B24_BOT_ID: String(BUILT_BOT.id),
    B24_BOT_TOKEN: BUILT_BOT.botToken,
    B24_APPLICATION_TOKEN: BUILT_BOT.applicationToken,
    STATE_STORE: 'memory',
    ...options.env,
  }
  const config = loadConfig(env)
  const port = options.port ?? fakePort()
  const store = new MemoryStore()
  const service = await buildService(config, {
    log: options.log ?? pino({ level: 'silent' }),
    store,
    portals: onePortal(port),
    handlers: options.handlers ?? [],
    metrics: createMetrics({ processMetrics: false }),
  })
  onTestFinished(() => service.close())
  return {
    service,
    port,
    store,
    post: (body, path = '/bitrix24/events') =>
      service.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: phpHttpBuildQuery(body),
      }),
    readsSent: () =>
      port.recorded
        .flatMap((r) => (r.kind === 'call' ? [r.call] : r.calls))
        .filter((call) => call.method === 'imbot.v2.Chat.Message.read')
        .map((call) => ({ dialogId: String(call.params.dialogId), messageId: Number(call.params.messageId) })),
  }
}
