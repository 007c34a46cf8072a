// Logs in and prints the signed-in user: node dist/clients/cli/login.js <email> <password> [gatewayUrl]
import { LoginDocument, MeDocument } from '../generated/graphql.js';
import { GraphClient, GraphError } from '../sdk.js';

const [email, password, url = 'http://127.0.0.1:4000/graphql'] = process.argv.slice(2);
if (!email || !password) {
  console.error('usage: node dist/clients/cli/login.js <email> <password> [gatewayUrl]');
  process.exit(2);
}

try {
  const anonymous = new GraphClient({ url });
  const { login } = await anonymous.request(LoginDocument, { input: { email, password } });
  const { me } = await anonymous.withToken(login.accessToken).request(MeDocument);
  console.log(JSON.stringify({ expiresAt: login.expiresAt, me }, null, 2));
} catch (error) {
  // GraphQL failures print their stable code; network failures print the cause.
  const detail =
    error instanceof GraphError
      ? error.message
      : error instanceof Error
        ? `${error.message} ${error.cause ?? ''}`
        : String(error);
  console.error(`login failed: ${detail}`);
  process.exitCode = 1;
}
