/**
 * Summarizes a V8 `.cpuprofile` of the intake: self and inclusive time of the top functions, and the share of the
 * busy time spent in each intake step (a sample counts for the first step found walking from its leaf to the root,
 * so Node's URL decoding called from the form decoder counts as form decoding). Shares, not absolute times: the
 * profiled process shares the CPU with the load generator and the simulated portal.
 * Usage: `tsx bench/profile-summary.ts <file.cpuprofile> [top] [requests]`; prints Markdown. With the number of
 * requests the profiled process served, each intake step also gets its busy microseconds per request.
 */
import { readFileSync } from 'node:fs'

interface Frame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: Frame
  readonly children?: readonly number[]
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Intake steps, tried in order on each frame from the leaf up; the first match names the sample's step. */
const STEPS: ReadonlyArray<readonly [string, (f: Frame) => boolean]> = [
  ['form decoding (src/events/form-body)', (f) => f.url.includes('/events/form-body.')],
  ['JSON decoding', (f) => f.url.includes('/events/json-body.') || f.url.includes('secure-json-parse')],
  ['authentication (verify)', (f) => f.url.includes('/events/verify.')],
  ['event parsing/coercion', (f) => /\/events\/(parse-event|parse-v1|coerce)\./.test(f.url)],
  ['log lines (pino write, redact, serialize)', (f) => /\/(pino|@pinojs|sonic-boom)\//.test(f.url)],
  ['metrics (prom-client)', (f) => f.url.includes('prom-client') || f.url.includes('/observability/')],
  ['dedupe', (f) => f.url.includes('/intake/dedupe.')],
  ['persist (store)', (f) => f.url.includes('/intake/persist-event.') || f.url.includes('/store/')],
  ['reads after the 200 (scheduler, SDK, HTTPS to portal)', (f) => /\/(reads|bitrix)\/|b24jssdk|axios/.test(f.url)],
  ['pipeline (lanes, compose, handlers)', (f) => f.url.includes('/pipeline/')],
  ['intake glue (accept-event)', (f) => f.url.includes('/intake/accept-event.')],
  ['route handler glue (webhook-route)', (f) => f.url.includes('/intake/webhook-route.')],
  [
    'reply (Fastify reply/serialize)',
    (f) => /fastify\/lib\/(reply|error-handler|hooks)|fast-json-stringify/.test(f.url),
  ],
  ['Fastify routing/body reading', (f) => /\/(fastify|find-my-way|light-my-request|avvio)\//.test(f.url)],
  [
    'Node HTTP/net (parse, socket write)',
    (f) => /^node:(_http|http|net|stream|internal\/(http|stream|streams|net))/.test(f.url),
  ],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
]

const file = process.argv[2]
if (file === undefined) throw new Error('usage: profile-summary <file.cpuprofile> [top]')
const top = Number(process.argv[3] ?? 25)
const requests = Number(process.argv[4] ?? 0)
const profile: Profile = JSON.parse(readFileSync(file, 'utf8'))

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const nodeTime = new Map<number, number>()
profile.samples.forEach((id, i) => {
  nodeTime.set(id, (nodeTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})

const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/').replace(/^file:\/\/.*\//, '')
const label = (f: Frame) => `${f.functionName || '(anonymous)'} ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`

let total = 0
let idle = 0
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
const steps = new Map<string, number>()
for (const [id, time] of nodeTime) {
  const stack: Frame[] = []
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur)
    if (node) stack.push(node.callFrame)
  }
  const leaf = stack[0]
  if (leaf === undefined) continue
  total += time
  if (leaf.functionName === '(idle)') {
    idle += time
    continue
  }
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + time)
  for (const key of new Set(stack.map(label))) inclusive.set(key, (inclusive.get(key) ?? 0) + time)
  // A child logger's cost is mostly pino redacting its bindings, deep under `child`: count the whole subtree.
  const inChild = stack.some((f) => f.url.includes('/pino/') && f.functionName === 'child')
  // Issue 13: the id scan before the 200 and the full decode of a scanned message after it, whatever they call.
  const inScan = stack.some((f) => f.url.includes('/events/scan-form-ids.'))
  const inLaneDecode = stack.some((f) => f.url.includes('/events/scanned-message.') && f.functionName === 'decode')
  const step = inChild
    ? 'child logger creation'
    : inScan
      ? 'id scan before the 200 (scan-form-ids)'
      : inLaneDecode
        ? 'full decode + parseEvent after the 200 (in the lane)'
        : (stack.map((f) => STEPS.find(([, match]) => match(f))?.[0]).find((s) => s !== undefined) ?? 'other')
  steps.set(step, (steps.get(step) ?? 0) + time)
}

const busy = total - idle
const pct = (t: number) => `${((t / busy) * 100).toFixed(1)}%`
const perRequest = (t: number) => (requests > 0 ? ` ${(t / requests).toFixed(1)} |` : '')
const table = (title: string, map: Map<string, number>, n: number, withUs = false) => {
  const us = withUs && requests > 0
  const lines = [
    `| ${title} | share of busy time |${us ? ' µs per request |' : ''}`,
    us ? '|---|---|---|' : '|---|---|',
  ]
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    lines.push(`| \`${k}\` | ${pct(t)} |${us ? perRequest(t) : ''}`)
  }
  return lines.join('\n')
}
console.log(
  `Busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled; shares below are of the busy time.\n`,
)
console.log(table('intake step', steps, 40, true))
if (requests > 0) console.log(`| total busy | 100% | ${(busy / requests).toFixed(1)} |`)
console.log()
console.log(table('function (self)', self, top))
console.log()
console.log(table('function (inclusive)', inclusive, top))
console.log()
const own = new Map([...inclusive].filter(([k]) => k.includes(' dist/')))
console.log(table('service function (inclusive)', own, top))
