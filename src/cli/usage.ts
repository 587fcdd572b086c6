/** The CLI's help texts. */

/** `b24-autoread --help`. */
export const MAIN_USAGE = `Usage: b24-autoread <command> [options]

Manage the Bitrix24 chat bot that b24-autoread serves, through the incoming webhook of B24_WEBHOOK_URL.

Commands:
  register     Register the bot (imbot.v2.Bot.register) and print the B24_* lines for the service
  unregister   Delete the bot (imbot.v2.Bot.unregister)
  info         Show the bot (imbot.v2.Bot.get)
  read         Mark a dialog read once (imbot.v2.Chat.Message.read, or im.dialog.read)
  pending      List the reads the service still owes (pending, paused or parked) from STATE_DIR
  help         Show the help of a command

Options for every command:
  --json       Print one JSON object on stdout (also for errors)
  -h, --help   Show help
  --version    Print the version

Environment:
  B24_WEBHOOK_URL   incoming webhook https://<portal>/rest/<userId>/<secret>/ (required, scope imbot)
  B24_BOT_ID        the bot's id (unregister, info, read; or --bot-id)
  B24_BOT_TOKEN     the bot's token (or --token)
  B24_CA_FILE       PEM file of an extra CA to trust for the portal (self-hosted portals)
  B24_EVENTS_SECRET register: the secret path segment to reuse for webhook mode
  B24_READ_METHOD   read: imbot.v2.Chat.Message.read (default) or im.dialog.read

Exit codes: 0 done, 1 the portal refused the call or could not be reached, 2 bad command line,
3 unusable environment (B24_WEBHOOK_URL, B24_CA_FILE).
`

/** Help of each command. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  register: `Usage: b24-autoread register --code <code> --name <name> [--type bot]
                             [--mode fetch | --mode webhook --url <url>] [--token <botToken>]

Registers the bot with imbot.v2.Bot.register and prints the B24_* lines to put in the service's environment.
Registering the same code again with the same token reports the existing bot and changes nothing.

  --code <code>     the bot's code, unique on the portal
  --name <name>     the bot's display name
  --type <type>     bot (default), supervisor, personal, openline
  --mode <mode>     fetch (default: the service polls) or webhook (Bitrix24 posts events to --url)
  --url <url>       webhook mode: the service's public base URL; events go to <url>/bitrix24/events/<secret>
  --token <token>   the botToken (at most 40 characters); default B24_BOT_TOKEN, else a random one
`,
  unregister: `Usage: b24-autoread unregister [--bot-id <id>] [--token <botToken>]

Deletes the bot with imbot.v2.Bot.unregister (its chats and event queue go with it).
`,
  info: `Usage: b24-autoread info [--bot-id <id> | --code <code>] [--token <botToken>]

Shows the bot as imbot.v2.Bot.get returns it.
`,
  read: `Usage: b24-autoread read --dialog <dialogId> [--message <id>] [--method <method>]

Marks the dialog read up to and including --message (without it, the whole dialog), once.
  --dialog <id>     chat<N> for a group chat, the user's id for a 1:1 chat
  --message <id>    the last message to mark read
  --method <name>   imbot.v2.Chat.Message.read (default, as the bot) or im.dialog.read (as the webhook's user)
  --bot-id, --token as for info
`,
  pending: `Usage: b24-autoread pending [--state-dir <dir>]

Lists the reads kept in the state store that the portal has not confirmed yet: pending, paused by a configuration
error (see /readyz), or parked after failing past READ_PARK_AFTER_MS. Read-only; safe while the service runs.
  --state-dir <dir> the service's STATE_DIR (default: $STATE_DIR, else ./data); STATE_STORE=lmdb only
`,
}
