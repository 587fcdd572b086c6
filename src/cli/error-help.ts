/**
 * One line of explanation and one of advice for every documented Bitrix24 error code the CLI can meet, plus the
 * transport errors of a misconfigured connection. Sources: the imbot.v2 method pages, the system errors and
 * limits pages, and the OAuth error codes of the REST docs.
 * @see https://apidocs.bitrix24.com/api-reference/chat-bots/chat-bots-v2/index.html
 */

/** What an error means and what to do about it. */
export interface ErrorHelp {
  readonly meaning: string
  readonly action: string
}

const help = (meaning: string, action: string): ErrorHelp => ({ meaning, action })

/** Explanations by error code (Bitrix24 codes are case-sensitive: `insufficient_scope` is lower case). */
export const ERROR_HELP: Readonly<Record<string, ErrorHelp>> = {
  // imbot.v2 common errors (change-log BOT-NEW-0408-1)
  BOT_TOKEN_NOT_SPECIFIED: help(
    'the call carried no botToken, which webhook authorisation requires',
    'set B24_BOT_TOKEN (or pass --token) to the token the bot was registered with',
  ),
  CLIENT_ID_NOT_SPECIFIED: help(
    'the call carried no botToken (the code older portals, before REST revision 34, use for it)',
    'set B24_BOT_TOKEN (or pass --token)',
  ),
  BOT_ID_REQUIRED: help('the call carried no botId', 'set B24_BOT_ID (or pass --bot-id)'),
  BOT_NOT_FOUND: help(
    'no bot with this id (or code) exists on the portal',
    'check B24_BOT_ID; run `b24-autoread info --code <code>` to find it, or register it again',
  ),
  BOT_OWNERSHIP_ERROR: help(
    'the bot was registered by another application, or with another botToken (or the token was rotated)',
    'use the botToken the bot was registered with, or register a bot of your own under another code',
  ),
  // imbot.v2.Bot.register
  BOT_CODE_REQUIRED: help('the registration had no bot code', 'pass --code <code>'),
  BOT_PROPERTIES_REQUIRED: help('the registration had no bot name', 'pass --name <name>'),
  BOT_CODE_ALREADY_TAKEN: help(
    'a bot with this code exists already, registered with another botToken (or by another application)',
    'pass the original token with --token (or B24_BOT_TOKEN) to get the existing bot, or choose another --code',
  ),
  BOT_INVALID_TYPE: help(
    'the bot type is not one the portal knows',
    'use --type bot (the default), supervisor, personal, openline or network',
  ),
  BOT_INVALID_EVENT_MODE: help('the event mode is not fetch or webhook', 'use --mode fetch or --mode webhook'),
  BOT_WEBHOOK_URL_REQUIRED: help(
    'webhook mode needs the URL Bitrix24 should post events to',
    'pass --url https://<public host of the service>',
  ),
  BOT_INVALID_CALLBACK: help(
    'the portal rejected the events URL',
    'pass a public http(s) URL the portal can reach, e.g. --url https://bot.example.com',
  ),
  BOT_REGISTER_FAILED: help(
    'the portal could not register the bot',
    'retry later; if it persists, ask the portal admin',
  ),
  BOT_LIMIT_EXCEEDED: help(
    'the application has its maximum number of bots (100 for imbot.v2)',
    'unregister bots you no longer use (`b24-autoread unregister`)',
  ),
  BOT_AVATAR_INCORRECT_TYPE: help('the avatar is not an accepted image type', 'use a PNG or JPEG avatar'),
  BOT_AVATAR_INCORRECT_SIZE: help('the avatar is too large', 'use a smaller avatar image'),
  BOT_TOKEN_INVALID_LENGTH: help(
    'the botToken is longer than 40 characters, which the portal refuses since 06.08.2026',
    'use a token of at most 40 characters, or omit --token to get a generated one',
  ),
  BOT_TOKEN_ROTATION_FAILED: help(
    'the new botToken is already bound to another bot',
    'choose another token for the rotation',
  ),
  BOT_UNREGISTER_FAILED: help(
    'the portal could not delete the bot',
    'retry later; if it persists, ask the portal admin',
  ),
  // Messages and chats
  ACCESS_DENIED: help(
    'access denied: the bot is not a member of this chat (or REST is not available on this plan)',
    'check the dialog id (chat<N> for groups, the user id for 1:1 chats) and that the bot is in that chat',
  ),
  MESSAGE_NOT_FOUND: help(
    'the message does not exist or the bot cannot see it',
    'check --message; omit it to read the whole dialog',
  ),
  MESSAGE_ACCESS_DENIED: help('the bot may not access this message', 'check --message and the dialog'),
  CHAT_NOT_FOUND: help('the chat does not exist', 'check the dialog id (chat<N> for groups, the user id for 1:1)'),
  DIALOG_ID_EMPTY: help('the call carried no dialog id', 'pass --dialog <dialogId>'),
  PARAMS_REQUIRED: help('a required parameter was missing', 'check the command line against `--help`'),
  // imbot.v2.Event.get
  SCOPE_ERROR: help(
    'the webhook or application lacks a scope the method needs',
    'add the imbot scope (and im for user events) to the incoming webhook or app',
  ),
  AUTH_ERROR: help('the portal did not accept the authorisation', 'check B24_WEBHOOK_URL and B24_BOT_TOKEN'),
  USER_NOT_SUBSCRIBED: help(
    'user events were requested without a subscription',
    'call im.v2.Event.subscribe first, or poll without withUserEvents',
  ),
  // System errors
  NO_AUTH_FOUND: help(
    'the portal did not accept the credentials: the webhook code or access token is wrong or revoked',
    'check B24_WEBHOOK_URL (create a new incoming webhook if it was deleted)',
  ),
  INVALID_CREDENTIALS: help(
    'the user behind the webhook lacks the rights for this method',
    'create the incoming webhook as a user with the needed rights',
  ),
  insufficient_scope: help(
    'the incoming webhook lacks a scope this method needs',
    'edit the webhook in Bitrix24 and add the imbot scope (im for im.dialog.read)',
  ),
  expired_token: help('the OAuth access token has expired', 'refresh the token (the service does this itself)'),
  invalid_token: help('the OAuth access token is not valid', 'reinstall the app or refresh its tokens'),
  invalid_grant: help('the OAuth refresh token is expired or revoked', 'reinstall the application on the portal'),
  invalid_client: help('the OAuth client id or secret is wrong', 'check B24_CLIENT_ID and B24_CLIENT_SECRET'),
  user_access_error: help('the user has no access to the application', 'grant the user access to the app'),
  PAYMENT_REQUIRED: help('the application needs a paid subscription', 'renew the application subscription'),
  INVALID_REQUEST: help('the portal requires HTTPS', 'use an https:// B24_WEBHOOK_URL'),
  PORTAL_DELETED: help('the portal is closed or deleted', 'check the portal address in B24_WEBHOOK_URL'),
  ERROR_MANIFEST_IS_NOT_AVAILABLE: help('the method is not available on this portal', 'update the portal'),
  ERROR_METHOD_NOT_FOUND: help(
    'the portal does not know this method (an older on-premise revision?)',
    'update the portal, or use --method im.dialog.read for reads',
  ),
  INTERNAL_SERVER_ERROR: help('the portal failed internally', 'retry later'),
  ERROR_UNEXPECTED_ANSWER: help('the portal gave an answer that is not a REST result', 'retry later'),
  QUERY_LIMIT_EXCEEDED: help('too many requests: the portal rate limit was hit', 'wait a few seconds and retry'),
  OPERATION_TIME_LIMIT: help(
    'the method used up its operating-time budget for the last 10 minutes',
    'wait up to 10 minutes and retry',
  ),
  OVERLOAD_LIMIT: help('the portal blocked REST calls for overload (a manual block)', 'contact Bitrix24 support'),
  ERROR_BATCH_METHOD_NOT_ALLOWED: help('the method is not allowed inside batch', 'call it on its own'),
  ERROR_BATCH_LENGTH_EXCEEDED: help('a batch had more than 50 commands', 'send at most 50 commands per batch'),
  // Transport errors of the connection to the portal
  ECONNREFUSED: help('nothing accepts connections at the portal address', 'check the host and port of B24_WEBHOOK_URL'),
  ENOTFOUND: help('the portal host name does not resolve', 'check the host of B24_WEBHOOK_URL'),
  ECONNRESET: help('the connection to the portal was dropped', 'retry; check proxies between you and the portal'),
  REQUEST_TIMEOUT: help('the portal did not answer in time', 'retry later'),
  ETIMEDOUT: help('the connection to the portal timed out', 'check the network path to the portal'),
  DEPTH_ZERO_SELF_SIGNED_CERT: help(
    "the portal's TLS certificate is self-signed and not trusted",
    'set B24_CA_FILE to a PEM file with that certificate (TLS verification is never turned off)',
  ),
  SELF_SIGNED_CERT_IN_CHAIN: help(
    "the portal's TLS certificate chain ends in an untrusted CA",
    'set B24_CA_FILE to a PEM file with that CA',
  ),
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: help(
    "the portal's TLS certificate chain is incomplete or untrusted",
    'set B24_CA_FILE to a PEM file with the issuing CA',
  ),
  CERT_HAS_EXPIRED: help("the portal's TLS certificate has expired", 'ask the portal admin to renew it'),
  ERR_TLS_CERT_ALTNAME_INVALID: help(
    "the portal's TLS certificate is not valid for this host name",
    'use the host name the certificate names in B24_WEBHOOK_URL',
  ),
}

/** The help for `code`, or a generic line naming the portal's own message. */
export function errorHelp(code: string, portalMessage: string): ErrorHelp {
  return (
    ERROR_HELP[code] ?? {
      meaning: portalMessage === '' ? 'the portal refused the call' : `the portal said: ${portalMessage}`,
      action: 'see the method page at https://apidocs.bitrix24.com for this code',
    }
  )
}
