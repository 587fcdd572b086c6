/** Bitrix24 bot events as the portal sends them, and the PHP form encoding they are POSTed in; no portal needed. */
export {
  bitrixDate,
  DOC_APPLICATION_TOKEN,
  DOC_BOT_ACCESS_TOKEN,
  DOC_DOMAIN,
  DOC_MEMBER_ID,
  DOC_SERVER_ENDPOINT,
} from './event-parts.js'
export type * from './event-types.js'
export * from './events.js'
export { readFixture } from './fixtures.js'
export { phpHttpBuildQuery, phpUrlEncode } from './php-form.js'
