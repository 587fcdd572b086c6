/**
 * Wraps the port the read scheduler sends through, so that each read (a direct call or a command of a `batch`) is
 * sent only under its dialog's lease: at most one read of a dialog in flight across replicas, and a read that
 * another replica already confirmed is answered as done without asking the portal. Other calls pass through.
 */
import type { BatchOutcome, BitrixPort, RestCall, RestError, RestOutcome } from '../bitrix/port.js'
import type { DialogLeases, ReadClaim } from './dialog-leases.js'
import type { ReadTarget } from './read-method.js'

/** Reads the dialog a read call is for; undefined for calls that are not reads. */
export type ReadTargetOf = (call: RestCall) => ReadTarget | undefined

/** The answer given for a read another replica has confirmed already (the portal holds the dialog read). */
const ALREADY_READ: RestOutcome = { ok: true, result: { alreadyRead: true }, time: {} }

/** `ALREADY_READ` for a caller's result type: read callers look at `ok` only, never at the result of a read. */
function alreadyRead<T>(): RestOutcome<T> {
  return { ok: true, result: { alreadyRead: true } as T, time: {} }
}

/** The port `port` with every read sent under its dialog's lease. */
export function leasedPort(port: BitrixPort, leases: DialogLeases, targetOf: ReadTargetOf): BitrixPort {
  const claim = async (call: RestCall): Promise<ReadClaim | RestError | undefined> => {
    const target = targetOf(call)
    if (target === undefined) return undefined
    try {
      return await leases.claim(target)
    } catch (err) {
      return { code: 'READ_LEASE_UNAVAILABLE', status: 0, message: `the dialog's read lease: ${String(err)}` }
    }
  }
  const isClaim = (c: ReadClaim | RestError | undefined): c is ReadClaim => c !== undefined && 'send' in c
  return {
    portal: port.portal,
    async call<T>(call: RestCall): Promise<RestOutcome<T>> {
      const claimed = await claim(call)
      if (claimed === undefined) return port.call<T>(call)
      if (!isClaim(claimed)) return { ok: false, error: claimed }
      if (!claimed.send) return alreadyRead<T>()
      const outcome = await port.call<T>(call)
      await claimed.settle(outcome.ok)
      return outcome
    },
    async batch(calls: ReadonlyMap<string, RestCall>): Promise<BatchOutcome> {
      // Leases are taken one after another in one global order (by dialog), so two replicas claiming overlapping
      // batches never wait for each other in a circle.
      const claims = new Map<string, ReadClaim | RestError | undefined>()
      const ordered = [...calls].sort(([, a], [, b]) => orderOf(targetOf(a)).localeCompare(orderOf(targetOf(b))))
      for (const [key, call] of ordered) claims.set(key, await claim(call))
      const answered = new Map<string, RestOutcome>()
      const toSend = new Map<string, RestCall>()
      for (const [key, call] of calls) {
        const c = claims.get(key)
        if (c !== undefined && !isClaim(c)) answered.set(key, { ok: false, error: c })
        else if (c !== undefined && !c.send) answered.set(key, ALREADY_READ)
        else toSend.set(key, call)
      }
      const sent: BatchOutcome = toSend.size === 0 ? { ok: true, results: new Map() } : await port.batch(toSend)
      await Promise.all(
        [...claims].map(async ([key, c]) => {
          if (c === undefined || !isClaim(c) || !c.send) return
          await c.settle(sent.ok && sent.results.get(key)?.ok === true)
        }),
      )
      if (!sent.ok) return sent
      return {
        ok: true,
        results: new Map(
          [...calls.keys()].flatMap((k) => {
            const outcome = answered.get(k) ?? sent.results.get(k)
            return outcome === undefined ? [] : [[k, outcome] as const]
          }),
        ),
      }
    },
  }
}

/** A dialog's place in the order leases are taken in. */
function orderOf(target: ReadTarget | undefined): string {
  return target === undefined ? '' : `${target.botId}|${target.dialogId}`
}

/** Reads the target of `imbot.v2.Chat.Message.read` or `im.dialog.read` (whose bot is `botId`) from a call. */
export function readTargetOf(readMethod: string, botId: number): ReadTargetOf {
  return (call) => {
    if (call.method !== readMethod) return undefined
    const p = call.params
    const dialogId = p.dialogId ?? p.DIALOG_ID
    const messageId = Number(p.messageId ?? p.MESSAGE_ID)
    const bot = p.botId === undefined ? botId : Number(p.botId)
    if (typeof dialogId !== 'string' || !Number.isSafeInteger(messageId) || !Number.isSafeInteger(bot)) return undefined
    return { botId: bot, dialogId, messageId }
  }
}
