import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Exposition, parseExposition } from '../support/prom-text.js'
import { startWorld, type World } from '../support/service.js'

const root = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')

interface Target {
  readonly expr?: unknown
}
interface Panel {
  readonly id?: unknown
  readonly type?: unknown
  readonly title?: unknown
  readonly gridPos?: { x: number; y: number; w: number; h: number }
  readonly targets?: readonly Target[]
}

const dashboard = JSON.parse(read('ops/grafana/b24-autoread.json')) as {
  uid: unknown
  panels: Panel[]
  templating: { list: Array<{ name: string; query?: unknown; definition?: unknown }> }
}
const alerts = read('ops/alerts.yml')
const runbook = read('docs/OPERATIONS.md')
const prometheus = read('ops/prometheus.yml')

/** Every `b24_autoread_*` name in a PromQL expression (label values and strings cannot start with it). */
function metricNames(text: string): string[] {
  return [...text.matchAll(/\bb24_autoread_[a-z0-9_]+/g)].map((m) => m[0])
}

const panelExprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ title: String(p.title), expr: String(t.expr) })),
)
const variableQueries = dashboard.templating.list.flatMap((v) => [JSON.stringify(v.query ?? ''), String(v.definition)])

/** Whether a name the dashboard queries is a series the service exports (histograms as _bucket/_sum/_count). */
function exported(m: Exposition, name: string): boolean {
  if (m.types.has(name)) return true
  const suffix = /_(bucket|sum|count)$/.exec(name)
  const base = suffix ? name.slice(0, -suffix[0].length) : undefined
  return base !== undefined && (m.types.get(base) === 'histogram' || m.types.get(base) === 'summary')
}

describe('ops/grafana/b24-autoread.json', () => {
  let world: World
  let live: Exposition

  beforeAll(async () => {
    world = await startWorld()
    const res = await fetch(`${world.service.url}/metrics`)
    live = parseExposition(await res.text())
  })
  afterAll(async () => {
    await world.close()
  })

  it('is a dashboard with unique panel ids, a layout within 24 columns and a query on every panel', () => {
    expect(dashboard.uid).toBe('b24-autoread')
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const panel of dashboard.panels) {
      expect(panel.gridPos).toBeDefined()
      const { x, w } = panel.gridPos as { x: number; w: number }
      expect(x + w).toBeLessThanOrEqual(24)
      if (panel.type === 'row') continue
      expect(panel.targets?.length, String(panel.title)).toBeGreaterThan(0)
      for (const target of panel.targets ?? []) {
        expect(metricNames(String(target.expr)).length, String(panel.title)).toBeGreaterThan(0)
      }
    }
  })

  it('queries only metrics that a live service exports', () => {
    const names = new Set([...panelExprs.flatMap((p) => metricNames(p.expr)), ...variableQueries.flatMap(metricNames)])
    expect(names.size).toBeGreaterThan(15)
    const missing = [...names].filter((name) => !exported(live, name))
    expect(missing).toEqual([])
  })

  it('has the panels an operator needs: events/s, read lag, REST calls and errors by code, coalescing, pending, tokens', () => {
    const uses = (metric: string, pattern: RegExp = /./) =>
      panelExprs.some((p) => p.expr.includes(metric) && pattern.test(p.expr))
    expect(uses('b24_autoread_events_received_total', /rate\(/)).toBe(true)
    expect(uses('b24_autoread_read_lag_seconds_bucket', /histogram_quantile\(0\.99/)).toBe(true)
    expect(uses('b24_autoread_read_lag_seconds_bucket', /histogram_quantile\(0\.5/)).toBe(true)
    expect(uses('b24_autoread_rest_requests_total', /by \(method, outcome\)/)).toBe(true)
    expect(uses('b24_autoread_rest_requests_total', /by \(code\).*outcome="error"/)).toBe(true)
    expect(uses('b24_autoread_read_request_messages_total', /\/ sum\(rate\(b24_autoread_read_requests_total/)).toBe(
      true,
    )
    expect(uses('b24_autoread_pending_dialogs')).toBe(true)
    expect(uses('b24_autoread_limiter_tokens')).toBe(true)
  })

  it('filters every query on the job variable that ops/prometheus.yml scrapes', () => {
    expect(prometheus).toMatch(/job_name: b24-autoread\n\s+metrics_path: \/metrics/)
    for (const { title, expr } of panelExprs) {
      for (const selector of expr.matchAll(/b24_autoread_[a-z0-9_]+(\{[^}]*\})?/g)) {
        expect(selector[1] ?? '', `${title}: ${expr}`).toContain('job=~"$job"')
      }
    }
  })

  it('ops/alerts.yml uses only exported metrics and points every alert at the runbook', () => {
    const names = new Set(metricNames(alerts))
    expect(names.size).toBeGreaterThan(5)
    expect([...names].filter((name) => !exported(live, name))).toEqual([])
    const alertCount = alerts.match(/- alert: /g)?.length ?? 0
    expect(alerts.match(/runbook: docs\/OPERATIONS\.md#/g)?.length).toBe(alertCount)
    expect(prometheus).toMatch(/rule_files:\n\s+- alerts\.yml/)
  })
})

describe('docs/OPERATIONS.md', () => {
  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; plus explicit `id`s. */
  const anchors = new Set([
    ...[...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      (m[1] as string)
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
    ...[...runbook.matchAll(/id="([^"]+)"/g)].map((m) => m[1] as string),
  ])

  it('has every section the alerts and its own links point at', () => {
    const targets = [
      ...[...alerts.matchAll(/runbook: docs\/OPERATIONS\.md#(\S+)/g)].map((m) => m[1] as string),
      ...[...runbook.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string),
    ]
    expect(targets.length).toBeGreaterThan(5)
    expect(targets.filter((t) => !anchors.has(t))).toEqual([])
  })

  it('explains every error code the service labels in its metrics', async () => {
    const { KNOWN_ERROR_CODES } = await import('../../src/observability/code-label.js')
    const missing = [...KNOWN_ERROR_CODES].filter((code) => !runbook.includes(`\`${code}\``))
    expect(missing).toEqual([])
  })
})
