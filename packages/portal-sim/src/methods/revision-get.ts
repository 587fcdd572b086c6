import type { MethodHandler } from '../context.js'

/**
 * `imbot.v2.Revision.get`: `{rest, web, mobile, desktop}`; any user, no bot needed.
 * @see CB2/imbot.v2/revision-get.md
 */
export const revisionGet: MethodHandler = (ctx) => ({ rest: ctx.env.revision, web: 130, mobile: 26, desktop: 5 })
