/** The end of every portal test: what the simulation itself threw (answered as 500) fails the test. */
import { expect } from 'vitest'
import type { Portal } from '../../src/index.js'

/** Expects no internal error of the simulation, then closes the portal. */
export async function closeChecked(portal: Portal): Promise<void> {
  expect(portal.internalErrors).toEqual([])
  await portal.close()
}
