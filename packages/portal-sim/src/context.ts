import type { EventQueues } from './event-queues.js'
import type { ReadLedger } from './read-ledger.js'
import type { Params } from './types.js'
import type { World } from './world.js'

/** Who is calling: the incoming-webhook user, or an OAuth app acting for a user. */
export type AuthContext =
  | { kind: 'webhook'; userId: number }
  | { kind: 'oauth'; userId: number; clientId: string; applicationToken?: string | undefined }

/** Facts about the portal that responses and events carry. */
export interface PortalEnv {
  url: string
  domain: string
  memberId: string
  revision: number
}

/** What a REST method handler gets. */
export interface MethodContext {
  auth: AuthContext
  world: World
  queues: EventQueues
  ledger: ReadLedger
  env: PortalEnv
}

/** A REST method: returns the `result` or throws a `RestError`. */
export type MethodHandler = (ctx: MethodContext, params: Params) => unknown
