/** Turns any thrown value into fields that are safe to log: name, code, message; never params, URLs or causes' bodies. */
export function describeError(err: unknown): { type: string; code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string'
      ? { type: err.name, code, message: err.message }
      : { type: err.name, message: err.message }
  }
  return { type: typeof err, message: String(err) }
}
