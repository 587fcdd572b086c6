/** Koa/grammY-style middleware composition: `(ctx, next) => Promise<void>`, with a guard against a second `next()`. */

/** Calls the rest of the chain; not calling it stops the chain. */
export type Next = () => Promise<void>

/** One pipeline stage. */
export type Middleware<C> = (ctx: C, next: Next) => Promise<void> | void

/** Composes stages into one; calling `next()` twice in a stage rejects with an error. */
export function compose<C>(stages: readonly Middleware<C>[]): (ctx: C) => Promise<void> {
  const list = [...stages]
  return (ctx) => {
    let last = -1
    const dispatch = async (i: number): Promise<void> => {
      if (i <= last) throw new Error('next() called multiple times in one pipeline stage')
      last = i
      const stage = list[i]
      if (stage === undefined) return
      await stage(ctx, () => dispatch(i + 1))
    }
    return dispatch(0)
  }
}
