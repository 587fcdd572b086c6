import type { MethodHandler } from '../context.js'

/** `profile`: the calling user (the SDK's `B24OAuth.initIsAdmin` calls it). */
export const profile: MethodHandler = (ctx) => {
  const user = ctx.world.ensureUser(ctx.auth.userId)
  const [name = user.name, ...rest] = user.name.split(' ')
  return { ID: String(user.id), ADMIN: true, NAME: name, LAST_NAME: rest.join(' '), PERSONAL_GENDER: '', TIME_ZONE: '' }
}
