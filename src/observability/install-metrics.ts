/**
 * OAuth mode: how many portals have the app installed but its bot not registered (a failed `imbot.v2.Bot.register`
 * being retried in the background). Above 0 for long means a portal needs an operator (see `/readyz` details).
 */
import { Gauge, type Registry } from 'prom-client'
import type { InstallIssue } from '../reads/portal-registry.js'

/** Registers the gauge, read from `issues` at each scrape. */
export function installMetrics(registry: Registry, prefix: string, issues: () => readonly InstallIssue[]): void {
  new Gauge({
    name: `${prefix}portals_bot_unregistered`,
    help: 'OAuth portals where the app is installed but the bot is not registered yet (registration retried with backoff).',
    registers: [registry],
    collect() {
      this.set(issues().length)
    },
  })
}
