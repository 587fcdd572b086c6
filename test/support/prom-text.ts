/** Reads the Prometheus text exposition format, just enough for tests to assert on samples and metric names. */

/** One sample: metric name, labels, value. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Parsed exposition text. */
export interface Exposition {
  readonly samples: readonly Sample[]
  /** Metric family names from `# TYPE` lines, with their type. */
  readonly types: ReadonlyMap<string, string>
  /** Sum of the samples of `name` whose labels include `labels` (0 when none match). */
  value(name: string, labels?: Readonly<Record<string, string>>): number
  /** Whether any sample of `name` matches `labels`. */
  has(name: string, labels?: Readonly<Record<string, string>>): boolean
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

function parseValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(raw)
}

/** Parses `text`; throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line)
      if (type) types.set(type[1] as string, type[2] as string)
      continue
    }
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1')
    samples.push({ name: m[1] as string, labels, value: parseValue(m[3] as string) })
  }
  const matching = (name: string, labels: Readonly<Record<string, string>>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return {
    samples,
    types,
    value: (name, labels = {}) => matching(name, labels).reduce((sum, s) => sum + s.value, 0),
    has: (name, labels = {}) => matching(name, labels).length > 0,
  }
}
