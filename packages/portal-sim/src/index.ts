/** The simulated Bitrix24 portal: start it, drive it, inspect it, and point a service at it. */
export type { AppInstall } from './app-install.js'
export { type OAuthServer, startOAuthServer } from './oauth-server.js'
export type { OAuthTokens } from './oauth-tokens.js'
export { type Portal, startPortal } from './portal.js'
export { type PortalHost, startPortalHost } from './portal-host.js'
export {
  type PortalWithBot,
  type PortalWithBotOptions,
  type PortalWithCaFile,
  type PortalWithCaFileOptions,
  startPortalWithBot,
  startPortalWithCaFile,
} from './portal-with-bot.js'
export { REST_ERRORS, RestError, type RestErrorCode } from './rest-error.js'
export { generateTlsMaterial, type TlsMaterial, type TlsOptions } from './tls.js'
export type * from './types.js'
export type { UserSendsResult, UserSendsSpec } from './user-actions.js'
export type { V1UserSendsResult, V1UserSendsSpec } from './v1-actions.js'
