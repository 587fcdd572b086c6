/** The shape of a server-side Lua script that `defineScripts` registers on a client (EVALSHA, EVAL on NOSCRIPT). */
export interface ScriptDef {
  /** The command name the client gains (prefixed `b24` so it never shadows a Redis command). */
  readonly name: string
  /** How many leading arguments are keys (the rest are ARGV). */
  readonly numberOfKeys: number
  readonly lua: string
}
