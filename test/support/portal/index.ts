/** The simulated Bitrix24 portal: start it, drive it, inspect it. */
export { type Portal, startPortal } from './portal.js'
export { REST_ERRORS, RestError, type RestErrorCode } from './rest-error.js'
export type * from './types.js'
export type { UserSendsResult, UserSendsSpec } from './user-actions.js'
