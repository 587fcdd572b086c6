import type { MethodHandler } from '../context.js'
import { bitrixDate } from '../events/event-parts.js'

/** `server.time`: the portal's current time (what the SDK's ping/healthCheck calls). */
export const serverTime: MethodHandler = () => bitrixDate()
