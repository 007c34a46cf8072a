// Command-line options of the chat client.
import { parseArgs } from 'node:util';
import { resolveGraphUrl } from '../sdk.js';

export const USAGE = `usage: node dist/clients/chat/main.js [--url URL] [--email E --password P | --register]

  --url URL        the gateway's GraphQL endpoint (default: $NEXUS_URL, else http://127.0.0.1:4000/graphql)
  --email E        sign in (or register) with this email; asked for when missing
  --password P     its password; asked for (hidden) when missing
  --register       create an account first (asks for a display name)
  -h, --help       this text

In the chat: /new starts a new conversation, /companions picks another companion,
/quit leaves. Ctrl-C while a reply streams cancels it; at the prompt it quits.`;

export interface ChatArgs {
  url: string;
  email: string | undefined;
  password: string | undefined;
  register: boolean;
  help: boolean;
}

/** Parses argv; throws a TypeError with a readable message on unknown or malformed options. */
export function parseChatArgs(argv: string[]): ChatArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      register: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  // HTTP for queries and mutations; the SDK derives the WebSocket URL for subscriptions from it.
  const url = resolveGraphUrl(values.url);
  return { url, email: values.email, password: values.password, register: values.register!, help: values.help! };
}
