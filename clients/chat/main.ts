// Terminal chat with NexusAI companions, streaming replies through the gateway.
// node dist/clients/chat/main.js [--url URL, default $NEXUS_URL or http://127.0.0.1:4000/graphql] [--email E --password P | --register]
import { parseChatArgs, USAGE, type ChatArgs } from './args.js';
import { runChat } from './chat.js';
import { signIn } from './prompts.js';
import { describeError, type Session } from './session.js';
import { ExitRequested, Terminal } from './terminal.js';

let args: ChatArgs;
try {
  args = parseChatArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${describeError(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const term = new Terminal();
let session: Session | undefined;
try {
  session = await signIn(term, args);
  term.line(term.dim(`Signed in as ${session.user.displayName} <${session.user.email ?? ''}> at ${args.url}`));
  await runChat(term, session);
} catch (error) {
  if (error instanceof ExitRequested) {
    if (error.reason !== 'quit') term.line(); // leave the abandoned prompt's line
    if (!session && error.reason === 'eof') process.exitCode = 1; // input ran out before signing in
  } else {
    term.error(describeError(error));
    process.exitCode = 1;
  }
} finally {
  if (session) {
    await session.logout().catch((error: unknown) => term.error(`logout failed: ${describeError(error)}`));
    term.line(term.dim('Signed out. Bye.'));
  }
  term.close();
}
