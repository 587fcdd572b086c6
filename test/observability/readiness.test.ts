import { describe, expect, it } from 'vitest'
import type { RestError } from '../../src/bitrix/port.js'
import { ConnectionWatch } from '../../src/observability/connection-watch.js'
import { portalAuthCheck, portalOverloadCheck, ReadinessChecks } from '../../src/observability/readiness.js'
import { serviceReadiness } from '../../src/observability/service-readiness.js'
import type { GateSnapshot } from '../../src/reads/portal-gate.js'

const snapshot = (overloaded: boolean): GateSnapshot => ({
  tokens: 50,
  inFlight: 0,
  waiting: 0,
  cooldownMs: 0,
  overloaded,
  heldMethods: [],
})

describe('ReadinessChecks', () => {
  it('is ready with no checks, and with checks that all pass', () => {
    expect(new ReadinessChecks().evaluate()).toEqual({ ok: true, reasons: [] })
    const checks = new ReadinessChecks().set('a', () => undefined).set('b', () => undefined)
    expect(checks.evaluate()).toEqual({ ok: true, reasons: [] })
  })

  it('lists every failing check by name, in the order they were added', () => {
    let open = false
    const checks = new ReadinessChecks()
      .set('store', () => (open ? undefined : 'the state store is closed'))
      .set('fine', () => undefined)
      .set('shutdown', () => 'the service is shutting down')
    expect(checks.evaluate()).toEqual({
      ok: false,
      reasons: ['store: the state store is closed', 'shutdown: the service is shutting down'],
    })
    open = true
    checks.delete('shutdown')
    expect(checks.evaluate()).toEqual({ ok: true, reasons: [] })
  })

  it('treats a check that throws as failing, without echoing the exception', () => {
    const checks = new ReadinessChecks().set('store', () => {
      throw new Error('secret path /var/lib/x')
    })
    expect(checks.evaluate()).toEqual({ ok: false, reasons: ['store: the check itself failed'] })
  })

  it('replaces a check set twice under one name', () => {
    const checks = new ReadinessChecks().set('x', () => 'first').set('x', () => 'second')
    expect(checks.evaluate().reasons).toEqual(['x: second'])
  })
})

describe('portal checks', () => {
  it('fails while a configuration error pauses reads, with its code and what to do, never the message', () => {
    const reads: { portalError: RestError | undefined } = { portalError: undefined }
    const check = portalAuthCheck(reads)
    expect(check()).toBeUndefined()
    reads.portalError = { code: 'NO_AUTH_FOUND', status: 401, message: 'Wrong authorization data' }
    expect(check()).toBe(
      "reads paused: the portal refuses the bot's calls with NO_AUTH_FOUND; the webhook URL (B24_WEBHOOK_URL) is " +
        'revoked or wrong: create a new one and restart. Pending reads are kept',
    )
  })

  it('fails while the gate treats the portal as overloaded', () => {
    let overloaded = false
    const check = portalOverloadCheck({ snapshot: () => snapshot(overloaded) })
    expect(check()).toBeUndefined()
    overloaded = true
    expect(check()).toMatch(/OVERLOAD_LIMIT/)
  })
})

describe('ConnectionWatch', () => {
  it('fails while the last request to a portal hit a configuration error, and recovers on the next outcome', () => {
    const watch = new ConnectionWatch()
    expect(watch.check()).toBeUndefined()
    watch.observe('portal.example:443', 'ECONNRESET')
    expect(watch.check()).toBeUndefined()
    watch.observe('portal.example:443', 'ENOTFOUND')
    expect(watch.check()).toBe(
      'cannot reach the portal portal.example:443: its host name does not resolve: check B24_WEBHOOK_URL (ENOTFOUND)',
    )
    watch.observe('other.example', undefined)
    expect(watch.check()).toMatch(/ENOTFOUND/)
    watch.observe('portal.example:443', undefined)
    expect(watch.check()).toBeUndefined()
  })
})

describe('serviceReadiness: portals installed without their bot', () => {
  const subjects = (count: number) => ({
    shuttingDown: () => false,
    portals: {
      forEvent: () => undefined,
      entries: () => [],
      installIssues: () =>
        Array.from({ length: count }, (_, i) => ({
          portal: `p${i}`,
          code: 'BOT_LIMIT_EXCEEDED',
          advice: 'remove one',
          attempts: 1,
        })),
    },
    store: { isOpen: () => true, unavailable: () => undefined },
    connections: new ConnectionWatch(),
    poller: undefined,
  })

  it('lists each such portal by name, and stays ready', () => {
    const result = serviceReadiness(subjects(2)).evaluate()
    expect(result.ok).toBe(true)
    expect(result.details).toEqual([
      'bot-registration: portal p0 installed but bot not registered: BOT_LIMIT_EXCEEDED, remove one',
      'bot-registration: portal p1 installed but bot not registered: BOT_LIMIT_EXCEEDED, remove one',
    ])
  })

  it('names at most 20 and counts the rest, so an app on thousands of portals keeps /readyz small', () => {
    const details = serviceReadiness(subjects(1_000)).evaluate().details ?? []
    expect(details).toHaveLength(21)
    expect(details[19]).toContain('portal p19 ')
    expect(details[20]).toBe(
      'bot-registration: and 980 more portals (b24_autoread_portals_bot_unregistered, and the logs)',
    )
  })
})
