import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, GOOD_PASSWORD, LOGIN, register, uniqueEmail, type Account } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { multipartSubscribe, sseSubscribe, type HttpStream } from '../support/http-stream.js';
import { until, type WireResult } from '../support/live.js';
import { execSql } from '../support/sql.js';

const STREAM = `subscription($id: ID!) {
  replyStream(messageId: $id) {
    index delta done finishReason
    message { status content conversation { user { displayName } } }
  }
}`;
const SET_STATUS = 'mutation($id: ID!, $s: UserStatus!) { setUserStatus(userId: $id, status: $s) { status } }';

interface Chunk {
  index: number;
  delta: string;
  done: boolean;
  finishReason: string | null;
  message: { status: string; content: string; conversation: { user: { displayName: string } } };
}

const codeOf = (result: WireResult | undefined) => result?.errors?.[0]?.extensions?.code;

const transports = [
  { name: 'SSE (graphql-sse)', open: sseSubscribe },
  { name: 'multipart (Apollo)', open: multipartSubscribe },
];

describe.each(profiles())('subscriptions over HTTP streams ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let moderator: Account;

  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '12', LLM_MAX_COMPLETION_TOKENS: '40' });
    url = stack.gateway.url;
    const email = uniqueEmail('mod');
    const account = await register(url, { email });
    await execSql(stack, 'users', 'update users set role = ? where id = ?', ['MODERATOR', account.id]);
    const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    moderator = { ...account, accessToken: login.body.data!.login.accessToken };
  }, 120_000);
  afterAll(() => stack?.destroy());

  async function replyOf(user: Account) {
    const companion = await createCompanion(url, user.accessToken);
    const conversation = await startConversation(url, user.accessToken, companion);
    return (await send(url, user.accessToken, conversation)).body.data!.sendMessage.reply.id;
  }

  describe.each(transports)('$name', ({ open }) => {
    test('a reply streams chunk by chunk with a users-subgraph field on every chunk', async () => {
      const user = await register(url, { displayName: 'Grace' });
      const replyId = await replyOf(user);
      const stream: HttpStream = open(url, STREAM, { id: replyId }, bearer(user.accessToken));
      await stream.finished;
      expect(stream.results.every((result) => result.errors === undefined)).toBe(true);
      const chunks = stream.results.map((result) => result.data!.replyStream as Chunk);
      expect(chunks.length).toBeGreaterThan(3);
      expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
      for (const chunk of chunks) expect(chunk.message.conversation.user.displayName).toBe('Grace');
      expect(chunks.at(-1)).toMatchObject({
        done: true,
        message: { status: 'COMPLETE', content: chunks.map((chunk) => chunk.delta).join('') },
      });
    });

    test('no token: the reply is refused (UNAUTHENTICATED); a bad token is a 401', async () => {
      const user = await register(url);
      const replyId = await replyOf(user);
      const anonymous = open(url, STREAM, { id: replyId });
      await anonymous.finished;
      expect(anonymous.results).toHaveLength(1);
      expect(codeOf(anonymous.results[0])).toBe('UNAUTHENTICATED');
      const forged = open(url, STREAM, { id: replyId }, { authorization: 'Bearer forged.token.here' });
      await expect(forged.finished).rejects.toThrow('status 401');
    });

    test('logout ends the running stream with UNAUTHENTICATED', async () => {
      const user = await register(url);
      const replyId = await replyOf(user);
      const stream = open(url, STREAM, { id: replyId }, bearer(user.accessToken));
      await until(() => stream.results.length > 0);
      await gql(url, 'mutation { logout }', {}, bearer(user.accessToken));
      await stream.finished;
      const errors =
        'fatal' in stream ? (stream.fatal as WireResult['errors'][]).flat() : stream.results.at(-1)?.errors;
      expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const chunks = stream.results.filter((result) => result.data).map((result) => result.data!.replyStream as Chunk);
      expect(chunks.some((chunk) => chunk.done)).toBe(false);
    });

    test('suspension ends the running stream with FORBIDDEN', async () => {
      const user = await register(url);
      const replyId = await replyOf(user);
      const stream = open(url, STREAM, { id: replyId }, bearer(user.accessToken));
      await until(() => stream.results.length > 0);
      await gql(url, SET_STATUS, { id: user.id, s: 'SUSPENDED' }, bearer(moderator.accessToken));
      await stream.finished;
      const errors =
        'fatal' in stream ? (stream.fatal as WireResult['errors'][]).flat() : stream.results.at(-1)?.errors;
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    test('invalid documents are refused with a coded error before any stream', async () => {
      const invalid = open(url, 'subscription { replyStream(messageId: "x") { nope } }', {});
      await expect(invalid.finished).rejects.toThrow('status 400');
      const badVariables = open(url, STREAM, {});
      await expect(badVariables.finished).rejects.toThrow('status 400');
    });
  });

  test('refusals carry extensions.code in the JSON body', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify(body),
      });
    const invalid = await post({ query: 'subscription { replyStream(messageId: "x") { nope } }' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as WireResult).errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const parse = await post({ query: 'subscription {' });
    expect(((await parse.json()) as WireResult).errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
    const variables = await post({ query: STREAM, variables: { id: { not: 'an id' } } });
    expect(((await variables.json()) as WireResult).errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const forged = await post({ query: STREAM, variables: { id: 'x' } }, { authorization: 'Bearer nope' });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as WireResult).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  test('queries and mutations over HTTP are still served by Apollo as before', async () => {
    const user = await register(url);
    expect((await gql(url, '{ me { id } }', {}, bearer(user.accessToken))).body.data).toEqual({ me: { id: user.id } });
  });
});
