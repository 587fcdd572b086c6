/** Whether the module at `moduleUrl` is the process entry, also when started through a symlink (npm bin links). */
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/** True when `moduleUrl` (pass `import.meta.url`) is the file Node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href
  } catch {
    return false
  }
}
