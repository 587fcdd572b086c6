/** The closed sets of values some settings take, with their types. */

/** Log levels pino accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** How events arrive: Bitrix24 posts them (`webhook`) or the service polls `imbot.v2.Event.get` (`fetch`). */
export const EVENT_MODES = ['webhook', 'fetch'] as const
/** An event mode. */
export type EventMode = (typeof EVENT_MODES)[number]

/** How REST calls are authorised: one incoming-webhook URL and botToken, or an OAuth app's tokens from events. */
export const AUTH_MODES = ['webhook', 'oauth'] as const
/** An auth mode. */
export type AuthMode = (typeof AUTH_MODES)[number]

/** The methods that can mark messages read: as the bot (v2), or as the calling user (`im.dialog.read`, v1 bots). */
export const READ_METHODS = ['imbot.v2.Chat.Message.read', 'im.dialog.read'] as const
/** A read method name. */
export type ReadMethodName = (typeof READ_METHODS)[number]

/** The state stores: on disk (default), in Redis shared by replicas, or in memory (tests). */
export const STATE_STORES = ['lmdb', 'redis', 'memory'] as const
/** A state store kind. */
export type StateStoreKind = (typeof STATE_STORES)[number]

/** Bitrix24's OAuth server, where app tokens are refreshed. */
export const DEFAULT_OAUTH_SERVER_ENDPOINT = 'https://oauth.bitrix.info/rest/'
