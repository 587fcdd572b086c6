/**
 * One portal reached by two identities: calls of one method (`im.dialog.read`, which acts as the caller) go to the
 * bot's own port, every other call to the webhook's. A batch is split the same way and its answers merged, so no
 * call of that method is ever sent as the webhook's user.
 */
import type { BatchOutcome, BitrixPort, RestCall, RestOutcome } from '../bitrix/port.js'

/** A port sending `method` through `routed` and everything else through `rest`. */
export function routeMethod(rest: BitrixPort, method: string, routed: BitrixPort): BitrixPort {
  const wanted = method.toLowerCase()
  const isRouted = (call: RestCall) => call.method.toLowerCase() === wanted
  return {
    portal: rest.portal,
    call: <T>(call: RestCall): Promise<RestOutcome<T>> => (isRouted(call) ? routed : rest).call<T>(call),
    async batch(calls) {
      const mine = new Map([...calls].filter(([, call]) => isRouted(call)))
      if (mine.size === 0) return rest.batch(calls)
      if (mine.size === calls.size) return routed.batch(calls)
      const others = new Map([...calls].filter(([, call]) => !isRouted(call)))
      const [a, b] = await Promise.all([routed.batch(mine), rest.batch(others)])
      return merge(a, b)
    },
  }
}

function merge(a: BatchOutcome, b: BatchOutcome): BatchOutcome {
  if (!a.ok) return a
  if (!b.ok) return b
  return { ok: true, results: new Map([...a.results, ...b.results]) }
}
