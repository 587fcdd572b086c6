/** Typed readers of environment variables that collect every problem instead of throwing at the first. */

/** The environment as `loadConfig` receives it. */
export type Env = Readonly<Record<string, string | undefined>>

/** Reads of one variable each: a trimmed string (empty = unset), a bounded integer or number, one of a list. */
export interface EnvReader {
  readonly str: (name: string) => string | undefined
  readonly int: (name: string, fallback: number, min: number, max: number) => number
  readonly num: (name: string, fallback: number, min: number, max: number) => number
  readonly oneOf: <T extends string>(name: string, allowed: readonly T[], fallback: T) => T
}

/** Readers over `env` that push a problem (naming the variable, never a secret's value) and return the fallback. */
export function envReader(env: Env, problems: string[]): EnvReader {
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return n
  }
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min || n > max) {
      problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return n
  }
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const found = allowed.find((a) => a === raw)
    if (found === undefined) problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`)
    return found ?? fallback
  }
  return { str, int, num, oneOf }
}
