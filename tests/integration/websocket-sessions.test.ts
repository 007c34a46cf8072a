import { startGateway } from '../../gateway/gateway-server.js';
import { Revocations } from '../../platform/auth/revocation.js';
import { closeRuntime, createRuntime, type Runtime } from '../../platform/server/runtime.js';
import type { RunningService } from '../../platform/server/subgraph-server.js';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, GOOD_PASSWORD, LOGIN, register, uniqueEmail, type Account } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { openSocket, until, type LiveSocket, type WireResult } from '../support/live.js';
import { decodePayload, signToken } from '../support/tokens.js';
import { execSql } from '../support/sql.js';

const STREAM = `subscription($id: ID!) {
  replyStream(messageId: $id) { index delta done message { conversation { user { displayName } } } }
}`;
const SET_STATUS = 'mutation($id: ID!, $s: UserStatus!) { setUserStatus(userId: $id, status: $s) { status } }';
const CREATE = 'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }';
const COMPANION = { name: 'Vega', description: 'Stars.', personality: ['calm'], visibility: 'PRIVATE' };

const codeOf = (result: WireResult | undefined) => result?.errors?.[0]?.extensions?.code;

describe.each(profiles())('WebSocket sessions end with their token ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let moderator: Account;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    // Slow, long replies: a stream is still running whenever a test ends its session.
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '3', LLM_MAX_COMPLETION_TOKENS: '300' });
    url = stack.gateway.url;
    const email = uniqueEmail('mod');
    const account = await register(url, { email });
    await execSql(stack, 'users', 'update users set role = ? where id = ?', ['MODERATOR', account.id]);
    const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    moderator = { ...account, accessToken: login.body.data!.login.accessToken };
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(sockets.map((socket) => socket.dispose()));
    await stack?.destroy();
  });

  function socket(gatewayUrl: string, token: string | undefined, headers: Record<string, string> = {}) {
    const opened = openSocket(gatewayUrl, token, headers);
    sockets.push(opened);
    return opened;
  }

  /** A user with a reply streaming now, and a socket subscribed to it that has seen its first chunk. */
  async function streaming(user: Account, token = user.accessToken, gatewayUrl = url) {
    const companion = await createCompanion(url, user.accessToken);
    const conversation = await startConversation(url, user.accessToken, companion);
    const { reply } = (await send(url, user.accessToken, conversation)).body.data!.sendMessage;
    const ws = socket(gatewayUrl, token);
    const subscription = ws.subscribe(STREAM, { id: reply.id });
    await until(() => subscription.results.length > 0);
    expect(codeOf(subscription.results[0])).toBeUndefined();
    return { ws, subscription };
  }

  async function expectEnded(
    live: Awaited<ReturnType<typeof streaming>>,
    code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    closeCode: number,
  ) {
    const end = await live.subscription.ended;
    expect(end.how).toBe('complete');
    const last = live.subscription.results.at(-1)!;
    expect(codeOf(last)).toBe(code);
    // Ended by the session, not by the reply finishing.
    const chunks = live.subscription.results
      .slice(0, -1)
      .map((result) => result.data!.replyStream as { done: boolean });
    expect(chunks.some((chunk) => chunk.done)).toBe(false);
    expect((await live.ws.closed).code).toBe(closeCode);
  }

  test('logout ends the running subscription (UNAUTHENTICATED) and closes the socket with 4401', async () => {
    const user = await register(url, { displayName: 'Ada' });
    const live = await streaming(user);
    expect((live.subscription.results[0]!.data!.replyStream as { message: unknown }).message).toEqual({
      conversation: { user: { displayName: 'Ada' } },
    });
    const logout = await gql(url, 'mutation { logout }', {}, bearer(user.accessToken));
    expect(logout.body.data).toEqual({ logout: true });
    await expectEnded(live, 'UNAUTHENTICATED', 4401);
  });

  test('suspension ends it with FORBIDDEN and 4403', async () => {
    const user = await register(url);
    const live = await streaming(user);
    const suspended = await gql(url, SET_STATUS, { id: user.id, s: 'SUSPENDED' }, bearer(moderator.accessToken));
    expect(suspended.body.data).toEqual({ setUserStatus: { status: 'SUSPENDED' } });
    await expectEnded(live, 'FORBIDDEN', 4403);
  });

  test('a password change ends the other sessions with 4401', async () => {
    const email = uniqueEmail();
    const user = await register(url, { email });
    const live = await streaming(user);
    const other = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    const changed = await gql(
      url,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
      { c: GOOD_PASSWORD, n: 'another-horse-43' },
      bearer(other.body.data!.login.accessToken),
    );
    expect(changed.body.data).toEqual({ changePassword: true });
    await expectEnded(live, 'UNAUTHENTICATED', 4401);
  });

  test('the token expiring ends it with UNAUTHENTICATED and 4401', async () => {
    const user = await register(url);
    const claims = decodePayload(user.accessToken) as { sub: string; sid: string; role: string };
    const shortLived = await signToken(stack.config, claims, { expiresInSeconds: 4 });
    const live = await streaming(user, shortLived);
    await expectEnded(live, 'UNAUTHENTICATED', 4401);
  });

  test('at connect: an expired token closes with 4401 (refresh and retry), a forged one with 4403', async () => {
    const user = await register(url);
    const claims = decodePayload(user.accessToken) as { sub: string; sid: string; role: string };
    const expired = await signToken(stack.config, claims, {
      issuedAt: Math.floor(Date.now() / 1000) - 120,
      expiresInSeconds: 60,
    });
    expect((await socket(url, expired).closed).code).toBe(4401);
    expect((await socket(url, `${user.accessToken}x`).closed).code).toBe(4403);
  });

  test('every operation re-checks the token: refused on an open socket once revoked or sanctioned', async () => {
    const user = await register(url);
    const ws = socket(url, user.accessToken);
    const created = await ws.request(CREATE, { input: COMPANION });
    expect(created).toMatchObject({ data: { createCompanion: { id: expect.any(String) } } });

    // Stored without the push, as if the message were lost: the per-operation check alone refuses.
    const silent = new Revocations(stack.runtime.state.kv, stack.config.ACCESS_TOKEN_TTL_SECONDS);
    const claims = decodePayload(user.accessToken) as { sid: string };
    await silent.revokeSession(claims.sid, 'logout');
    expect(codeOf((await ws.request(CREATE, { input: COMPANION })) as WireResult)).toBe('UNAUTHENTICATED');
    expect(codeOf((await ws.request(STREAM, { id: '01900000-0000-7000-8000-000000000000' })) as WireResult)).toBe(
      'UNAUTHENTICATED',
    );

    const sanctioned = await register(url);
    const ws2 = socket(url, sanctioned.accessToken);
    expect(await ws2.request('{ me { id } }')).toEqual({ data: { me: { id: sanctioned.id } } });
    await silent.cutOffUser(sanctioned.id, new Date(Date.now() + 1000), 'status-banned');
    expect(codeOf((await ws2.request(CREATE, { input: COMPANION })) as WireResult)).toBe('FORBIDDEN');
  });

  test('a mutation sent right after logout over the old socket never succeeds', async () => {
    const email = uniqueEmail();
    const user = await register(url, { email });
    const ws = socket(url, user.accessToken);
    expect(await ws.request('{ me { id } }')).toEqual({ data: { me: { id: user.id } } });
    await gql(url, 'mutation { logout }', {}, bearer(user.accessToken));
    const outcome = await ws.request(CREATE, { input: COMPANION });
    if ('closed' in outcome) expect(outcome.closed).toBe(4401);
    else expect(codeOf(outcome)).toBe('UNAUTHENTICATED');
    expect((await ws.closed).code).toBe(4401);
    const again = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    const mine = await gql<{ companions: { edges: unknown[] } }>(
      url,
      '{ companions(first: 10) { edges { node { id } } } }',
      {},
      bearer(again.body.data!.login.accessToken),
    );
    expect(mine.body.data!.companions.edges).toEqual([]);
  });

  test('a logout on one gateway replica ends sockets on another', async () => {
    // The second gateway shares the stack's state: the same process state on the embedded
    // profile, its own Redis connections (a real second subscriber) on the services one.
    const runtime: Runtime = stack.config.REDIS_URL ? await createRuntime(stack.config, 'gateway-2') : stack.runtime;
    const serviceUrls = Object.fromEntries(
      Object.values(stack.subgraphs).map((service) => [service.name, service.url]),
    );
    const second: RunningService = await startGateway(runtime, { port: 0, serviceUrls });
    try {
      const user = await register(url);
      const live = await streaming(user, user.accessToken, second.url);
      await gql(url, 'mutation { logout }', {}, bearer(user.accessToken));
      await expectEnded(live, 'UNAUTHENTICATED', 4401);
    } finally {
      await second.stop();
      if (runtime !== stack.runtime) await closeRuntime(runtime);
    }
  });
});
