import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, GOOD_PASSWORD, LOGIN, REGISTER, uniqueEmail } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { sseSubscribe } from '../support/http-stream.js';
import { openSocket, until, type LiveSocket, type LiveSubscription, type WireResult } from '../support/live.js';

const STREAM = `subscription($id: ID!) { replyStream(messageId: $id) { index done } }`;
const codeOf = (result: WireResult | { closed: number } | undefined) =>
  result && 'errors' in result ? result.errors?.[0]?.extensions?.code : undefined;

let addressCounter = 0;
/** A distinct client address per caller (TRUST_PROXY is on in tests), so limits of one test never touch another. */
const nextAddress = () => `198.51.100.${(addressCounter += 1)}`;

describe.each(profiles())('subscription caps and limits over WebSocket ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    stack = await startTestStack(profile, {
      OFFLINE_TOKENS_PER_SECOND: '3',
      LLM_MAX_COMPLETION_TOKENS: '300',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      MAX_SUBSCRIPTIONS_PER_USER: '5',
      RATE_LIMIT_API_PER_SECOND: '20',
      RATE_LIMIT_AUTH_PER_SECOND: '3',
      MAX_BODY_BYTES: '65536',
    });
    url = stack.gateway.url;
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(sockets.map((socket) => socket.dispose()));
    await stack?.destroy();
  });

  function socket(token: string | undefined, address = nextAddress()) {
    const opened = openSocket(url, token, { 'x-forwarded-for': address });
    sockets.push(opened);
    return opened;
  }

  async function registerFrom(address = nextAddress()) {
    const input = { email: uniqueEmail(), password: GOOD_PASSWORD, displayName: 'Capped' };
    const response = await gql<{ register: { accessToken: string; user: { id: string } } }>(
      url,
      REGISTER,
      { input },
      { 'x-forwarded-for': address },
    );
    if (!response.body.data) throw new Error(JSON.stringify(response.body));
    return { id: response.body.data.register.user.id, accessToken: response.body.data.register.accessToken };
  }

  /** A reply that keeps streaming for the whole test. */
  async function longReply(token: string) {
    const companion = await createCompanion(url, token);
    const conversation = await startConversation(url, token, companion);
    return (await send(url, token, conversation)).body.data!.sendMessage.reply.id;
  }

  async function open(ws: LiveSocket, replyId: string): Promise<LiveSubscription> {
    const subscription = ws.subscribe(STREAM, { id: replyId });
    await until(() => subscription.results.length > 0);
    return subscription;
  }

  test('per connection and per user caps: RATE_LIMITED with reason SUBSCRIPTION_LIMIT; closing frees a place', async () => {
    const user = await registerFrom();
    const replyId = await longReply(user.accessToken);
    const first = socket(user.accessToken);
    const held = [await open(first, replyId), await open(first, replyId), await open(first, replyId)];
    expect(held.every((subscription) => codeOf(subscription.results[0]) === undefined)).toBe(true);

    const overConnection = first.subscribe(STREAM, { id: replyId });
    expect(await overConnection.ended).toEqual({
      how: 'error',
      errors: [
        expect.objectContaining({
          extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIPTION_LIMIT', scope: 'connection', limit: 3 },
        }),
      ],
    });

    const second = socket(user.accessToken);
    held.push(await open(second, replyId), await open(second, replyId));
    const overUser = second.subscribe(STREAM, { id: replyId });
    expect(await overUser.ended).toEqual({
      how: 'error',
      errors: [
        expect.objectContaining({
          extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIPTION_LIMIT', scope: 'user', limit: 5 },
        }),
      ],
    });

    // Another user is not affected by this one's count.
    const other = await registerFrom();
    const othersReply = await longReply(other.accessToken);
    expect(codeOf((await open(socket(other.accessToken), othersReply)).results[0])).toBeUndefined();

    // Leaving a subscription frees a place for this user.
    held[0]!.stop();
    let reopened: LiveSubscription | undefined;
    await until(async () => {
      const attempt = second.subscribe(STREAM, { id: replyId });
      const outcome = await Promise.race([attempt.ended, until(() => attempt.results.length > 0).then(() => null)]);
      if (outcome === null) reopened = attempt;
      return outcome === null;
    });
    expect(codeOf(reopened!.results[0])).toBeUndefined();
  });

  test('SSE streams count against the same per-user cap as sockets', async () => {
    const user = await registerFrom();
    const replyId = await longReply(user.accessToken);
    const address = nextAddress();
    const headers = { authorization: `Bearer ${user.accessToken}`, 'x-forwarded-for': address };
    const ws = socket(user.accessToken, address);
    const held = [await open(ws, replyId), await open(ws, replyId)];
    const streams = [1, 2, 3].map(() => sseSubscribe(url, STREAM, { id: replyId }, headers));
    await until(() => streams.every((stream) => stream.results.length > 0));
    const over = sseSubscribe(url, STREAM, { id: replyId }, headers);
    await expect(over.finished).rejects.toThrow('status 429');
    streams.forEach((stream) => stream.stop());
    held.forEach((subscription) => subscription.stop());
  });

  test('the API rate limit applies to each operation over a socket, per client address', async () => {
    const user = await registerFrom();
    const limited = socket(user.accessToken, '203.0.113.20');
    const burst = await Promise.all(Array.from({ length: 60 }, () => limited.request('{ me { id } }')));
    const refused = burst.filter((result) => codeOf(result) === 'RATE_LIMITED');
    expect(refused.length).toBeGreaterThan(0);
    expect(burst.some((result) => 'data' in result && result.data)).toBe(true);
    // Another client address on another socket is unaffected.
    const fresh = socket(user.accessToken, '203.0.113.21');
    expect(await fresh.request('{ me { id } }')).toEqual({ data: { me: { id: user.id } } });
  });

  test('sign-in attempts over a socket are limited by the X-Forwarded-For address, like HTTP', async () => {
    const attempt = (ws: LiveSocket) =>
      ws.request('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
        i: { email: 'nobody@example.test', password: 'whatever-1' },
      });
    // Both sockets come from 127.0.0.1; only the forwarded address differs.
    const noisy = socket(undefined, '203.0.113.7');
    const burst = await Promise.all(Array.from({ length: 10 }, () => attempt(noisy)));
    const codes = burst.map(codeOf);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThan(0);
    expect(codes.every((code) => code === 'RATE_LIMITED' || code === 'UNAUTHENTICATED')).toBe(true);
    const quiet = socket(undefined, '203.0.113.8');
    expect(codeOf(await attempt(quiet))).toBe('UNAUTHENTICATED');
    // The same budget over HTTP: a login from the noisy address right after is refused too... once per window,
    // so only the key is asserted here: a login from the quiet address over HTTP still works.
    const login = await gql(
      url,
      LOGIN,
      { input: { email: 'nobody@example.test', password: 'whatever-1' } },
      {
        'x-forwarded-for': '203.0.113.9',
      },
    );
    expect(login.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  test('a message over MAX_BODY_BYTES closes the socket with 1009; the gateway carries on', async () => {
    const user = await registerFrom();
    const big = socket(user.accessToken);
    expect(await big.request('{ me { id } }')).toEqual({ data: { me: { id: user.id } } });
    const huge = `{ me { id } } # ${'x'.repeat(70_000)}`;
    const outcome = await big.request(huge);
    expect(outcome).toEqual({ closed: 1009 });
    expect((await big.closed).code).toBe(1009);
    const after = socket(user.accessToken);
    expect(await after.request('{ me { id } }')).toEqual({ data: { me: { id: user.id } } });
    const health = await fetch(url.replace('/graphql', '/health/ready'));
    expect(health.status).toBe(200);
    expect((await gql(url, '{ me { id } }', {}, bearer(user.accessToken))).body.data).toEqual({ me: { id: user.id } });
  });

  test('validation and parse errors over a socket carry extensions.code', async () => {
    const ws = socket(undefined);
    expect(codeOf(await ws.request('{ me { nope } }'))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(codeOf(await ws.request('{ me { '))).toBe('GRAPHQL_PARSE_FAILED');
    expect(codeOf(await ws.request('subscription { replyStream(messageId: 1) { nope } }'))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(codeOf(await ws.request('subscription($id: ID!) { replyStream(messageId: $id) { index } }', {}))).toBe(
      'BAD_USER_INPUT',
    );
  });

  test('strings that cannot be stored are refused over a socket as over HTTP', async () => {
    const ws = socket(undefined);
    const nul = await ws.request('subscription($id: ID!) { replyStream(messageId: $id) { index } }', {
      id: 'a\u0000b',
    });
    expect(nul && 'errors' in nul ? nul.errors?.[0]?.extensions : undefined).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_STRING',
      field: '$id',
    });
    const surrogate = await ws.request('subscription($id: ID!) { replyStream(messageId: $id) { index } }', {
      id: '\ud800',
    });
    expect(codeOf(surrogate)).toBe('BAD_USER_INPUT');
  });
});
