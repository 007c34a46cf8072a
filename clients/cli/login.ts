// Logs in and prints the signed-in user:
//   node dist/clients/cli/login.js [--url URL] [--token] <email> <password>
// --token prints the access token alone, for TOKEN=$(node dist/clients/cli/login.js --token …).
import { parseArgs } from 'node:util';
import { LoginDocument, MeDocument } from '../generated/graphql.js';
import { GraphClient, GraphError, resolveGraphUrl } from '../sdk.js';

const USAGE = `usage: node dist/clients/cli/login.js [--url URL] [--token] <email> <password>

  --url URL   the gateway's GraphQL endpoint (default: $NEXUS_URL, else http://127.0.0.1:4000/graphql)
  --token     print only the access token (TOKEN=$(node dist/clients/cli/login.js --token …))`;

let email: string | undefined;
let password: string | undefined;
let url: string;
let tokenOnly: boolean;
try {
  const { values, positionals } = parseArgs({
    options: { url: { type: 'string' }, token: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  [email, password] = positionals;
  // A third positional was the URL before --url existed; it still works.
  url = resolveGraphUrl(values.url ?? positionals[2]);
  tokenOnly = values.token!;
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (!email || !password) {
  console.error(USAGE);
  process.exit(2);
}

try {
  const anonymous = new GraphClient({ url });
  const { login } = await anonymous.request(LoginDocument, { input: { email, password } });
  if (tokenOnly) {
    console.log(login.accessToken);
  } else {
    const { me } = await anonymous.withToken(login.accessToken).request(MeDocument);
    console.log(JSON.stringify({ expiresAt: login.expiresAt, me }, null, 2));
  }
} catch (error) {
  // GraphQL failures print their stable code; network failures print the cause.
  const detail =
    error instanceof GraphError
      ? error.message
      : error instanceof Error
        ? `${error.message} ${error.cause ?? ''}`
        : String(error);
  console.error(`login failed at ${url}: ${detail}`);
  process.exitCode = 1;
}
