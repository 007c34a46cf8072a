// A user's chat through nginx: sign up, create a companion, send a message over HTTPS, and
// read the streamed reply over wss:// (graphql-ws), the way the web app does. Exits non-zero
// unless the reply arrives as several chunks and completes.
//   NODE_EXTRA_CA_CERTS=cert.pem node deploy/checks/chat-over-nginx.mjs https://localhost:8443
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.argv[2];
if (!base) throw new Error('usage: chat-over-nginx.mjs https://host:port');
const url = `${base}/graphql`;

async function gql(query, variables, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

const email = `nginx-check.${Date.now().toString(36)}@example.test`;
const { register } = await gql(
  'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
  { input: { email, password: 'correct-horse-42', displayName: 'Nginx Check' } },
);
const token = register.accessToken;
const { createCompanion } = await gql(
  'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }',
  { input: { name: 'Luna', description: 'A curious astronomer.', personality: ['curious'], visibility: 'PRIVATE' } },
  token,
);
const { startConversation } = await gql(
  'mutation($id: ID!) { startConversation(companionId: $id) { id } }',
  { id: createCompanion.id },
  token,
);
const { sendMessage } = await gql(
  'mutation($c: ID!, $t: String!) { sendMessage(conversationId: $c, content: $t) { reply { id } } }',
  { c: startConversation.id, t: 'Tell me about Saturn' },
  token,
);

const client = createClient({
  url: url.replace(/^https:/, 'wss:'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
const chunks = [];
const timer = setTimeout(() => {
  console.error(`no complete reply after 60 s (${chunks.length} chunks)`);
  process.exit(1);
}, 60_000);
await new Promise((resolve, reject) => {
  client.subscribe(
    {
      query:
        'subscription($id: ID!) { replyStream(messageId: $id, fromIndex: 0) { index delta done message { status content } } }',
      variables: { id: sendMessage.reply.id },
    },
    {
      next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : chunks.push(result.data.replyStream)),
      error: (error) => reject(error instanceof Error ? error : new Error(`socket closed ${error?.code ?? ''}`)),
      complete: resolve,
    },
  );
});
clearTimeout(timer);
await client.dispose();
const last = chunks.at(-1);
const deltas = chunks.filter((chunk) => chunk.delta).length;
if (!last?.done || last.message?.status !== 'COMPLETE' || deltas < 2) {
  console.error(`reply incomplete: ${deltas} deltas, last ${JSON.stringify(last)}`);
  process.exit(1);
}
console.log(`streamed reply over wss: ${deltas} chunks with text, ${last.message.content.length} characters, status ${last.message.status}`);
