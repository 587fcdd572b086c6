import { bitrixDate } from '../../event-parts.js'
import type { MethodHandler } from '../context.js'

/** `server.time`: the portal's current time (what the SDK's ping/healthCheck calls). */
export const serverTime: MethodHandler = () => bitrixDate()
