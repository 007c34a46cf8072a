import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { Topic, type EventEnvelope } from '../../schema/events/contracts.js';
import { createCompanion, CREATE_COMPANION } from '../support/chat.js';
import {
  bearer,
  errorCode,
  gql,
  GOOD_PASSWORD,
  register,
  uniqueEmail,
  type Account,
  type GraphQLResponse,
} from '../support/http.js';
import { openSocket, type LiveSocket, type WireResult } from '../support/live.js';
import { APPEAL, eventually, listen, MODERATE, promote, QUEUE, REJECT, RESOLVE } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

/** Goes to a human with the local classifier (two swear words). */
const REVIEW_TEXT = 'what the fuck is this shit';
const SIGN_IN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken restricted user { id } } }`;
const STATUS = 'query($id: ID!) { user(id: $id) { status } }';
const COMPANION = { name: 'Nova', description: 'A guide.', personality: ['calm'], visibility: 'PRIVATE' };

const extensionsOf = (result: WireResult) => result.errors?.[0]?.extensions;
const errorsOf = (response: GraphQLResponse): WireResult => response.body;

describe.each(profiles())('moderation decisions enforced on accounts ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let mod1: Account;
  let mod2: Account;
  let lifecycle: Awaited<ReturnType<typeof listen>>;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '1000' });
    url = stack.gateway.url;
    lifecycle = await listen(stack, Topic.userLifecycle);
    [mod1, mod2] = await Promise.all([promote(stack, 'MODERATOR'), promote(stack, 'MODERATOR')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await lifecycle?.close();
    await stack?.destroy();
  }, 120_000);

  /** A case on something the user wrote, waiting for a moderator. */
  async function pendingCase(author: Account): Promise<string> {
    const response = await gql<{ moderateContent: { id: string; status: string } }>(
      url,
      MODERATE,
      { input: { contentType: 'MESSAGE', contentId: randomUUID(), authorId: author.id, text: REVIEW_TEXT } },
      bearer(mod1.accessToken),
    );
    expect(response.body.data?.moderateContent.status).toBe('PENDING');
    return response.body.data!.moderateContent.id;
  }

  async function reject(caseId: string, input: Record<string, unknown>) {
    const response = await gql(url, REJECT, { id: caseId, input }, bearer(mod1.accessToken));
    expect(response.body.errors).toBeUndefined();
  }

  const statusOf = async (id: string) =>
    (await gql<{ user: { status: string } }>(url, STATUS, { id }, bearer(mod1.accessToken))).body.data!.user.status;
  const statusBecomes = (id: string, status: string, timeoutMs = 30_000) =>
    eventually(async () => ((await statusOf(id)) === status ? true : null), timeoutMs);

  async function signIn(account: Account) {
    const response = await gql<{ login: { accessToken: string; refreshToken: string; restricted: boolean } }>(
      url,
      SIGN_IN,
      { input: { email: account.email, password: GOOD_PASSWORD } },
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.login;
  }

  function socket(token: string) {
    const opened = openSocket(url, token);
    sockets.push(opened);
    return opened;
  }

  test('WARN_USER: the account is WARNED and its tokens keep working', async () => {
    const user = await register(url);
    await reject(await pendingCase(user), { action: 'WARN_USER', reason: 'rude' });
    await statusBecomes(user.id, 'WARNED');
    const me = await gql(url, '{ me { status warnings { reason } } }', {}, bearer(user.accessToken));
    expect(me.body).toEqual({ data: { me: { status: 'WARNED', warnings: [{ reason: 'rude' }] } } });
    expect(await createCompanion(url, user.accessToken)).toEqual(expect.any(String));
  });

  test('SUSPEND_USER: live socket closes 4403, old tokens stop, a restricted session until it ends by itself', async () => {
    const email = uniqueEmail();
    const user = await register(url, { email });
    const live = socket(user.accessToken);
    expect(await live.request('{ me { id } }')).toEqual({ data: { me: { id: user.id } } });

    const caseId = await pendingCase(user);
    const until = new Date(Date.now() + 8_000);
    await reject(caseId, { action: 'SUSPEND_USER', reason: 'spam', suspendUntil: until.toISOString() });
    expect((await live.closed).code).toBe(4403);
    await statusBecomes(user.id, 'SUSPENDED');
    expect(errorCode(await gql(url, '{ me { id } }', {}, bearer(user.accessToken)))).toBe('UNAUTHENTICATED');

    // Signing in gives a restricted session: its own account, warnings, case and appeal.
    const session = await signIn({ ...user, email });
    expect(session.restricted).toBe(true);
    const auth = bearer(session.accessToken);
    const me = await gql<{ me: { status: string; suspendedUntil: string } }>(
      url,
      '{ me { id status suspendedUntil warnings { caseId } } }',
      {},
      auth,
    );
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data!.me).toMatchObject({ status: 'SUSPENDED', warnings: [] });
    expect(Date.parse(me.body.data!.me.suspendedUntil)).toBe(until.getTime());
    const own = await gql(
      url,
      'query($id: ID!) { moderationCase(id: $id) { id status action } }',
      { id: caseId },
      auth,
    );
    expect(own.body).toEqual({ data: { moderationCase: { id: caseId, status: 'REJECTED', action: 'SUSPEND_USER' } } });

    // Everything else: FORBIDDEN with the reason and the end, at the gateway and in the subgraphs.
    const create = await gql(url, CREATE_COMPANION, { input: COMPANION }, auth);
    expect(extensionsOf(errorsOf(create))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'ACCOUNT_SUSPENDED',
      suspendedUntil: until.toISOString(),
    });
    const nested = await gql(url, '{ me { id companions { edges { cursor } } } }', {}, auth);
    expect(extensionsOf(errorsOf(nested))).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_SUSPENDED' });
    const profile = await gql(url, 'mutation { updateProfile(input: { displayName: "X" }) { id } }', {}, auth);
    expect(extensionsOf(errorsOf(profile))).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_SUSPENDED' });

    // The same over WebSocket.
    const restrictedSocket = socket(session.accessToken);
    expect(await restrictedSocket.request('{ me { status } }')).toEqual({ data: { me: { status: 'SUSPENDED' } } });
    const overSocket = (await restrictedSocket.request('{ companions(first: 1) { edges { cursor } } }')) as WireResult;
    expect(extensionsOf(overSocket)).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_SUSPENDED' });

    const appeal = await gql(url, APPEAL, { id: caseId, reason: 'I was hacked' }, auth);
    expect(appeal.body.data).toMatchObject({ appealDecision: { id: caseId, status: 'APPEALED' } });

    // The end time passes: ACTIVE again by itself, announced on user-lifecycle; a fresh sign-in is a full one.
    await statusBecomes(user.id, 'ACTIVE', 60_000);
    await eventually(() =>
      lifecycle.received.find(
        (event) =>
          event.type === 'user.status_changed' &&
          event.userId === user.id &&
          event.payload.from === 'SUSPENDED' &&
          event.payload.to === 'ACTIVE',
      ),
    );
    const full = await signIn({ ...user, email });
    expect(full.restricted).toBe(false);
    expect(await createCompanion(url, full.accessToken)).toEqual(expect.any(String));
  });

  test('BAN_USER: tokens refused, restricted session only; an overturned appeal lifts the ban', async () => {
    const user = await register(url);
    const caseId = await pendingCase(user);
    await reject(caseId, { action: 'BAN_USER', reason: 'threats' });
    await statusBecomes(user.id, 'BANNED');
    expect(errorCode(await gql(url, '{ me { id } }', {}, bearer(user.accessToken)))).toBe('UNAUTHENTICATED');

    const session = await signIn(user);
    expect(session.restricted).toBe(true);
    const auth = bearer(session.accessToken);
    const create = await gql(url, CREATE_COMPANION, { input: COMPANION }, auth);
    expect(extensionsOf(errorsOf(create))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'ACCOUNT_BANNED',
      suspendedUntil: null,
    });
    expect((await gql(url, APPEAL, { id: caseId, reason: 'Misread' }, auth)).body.errors).toBeUndefined();
    const overturned = await gql(url, RESOLVE, { id: caseId, upheld: false }, bearer(mod2.accessToken));
    expect(overturned.body.errors).toBeUndefined();
    await statusBecomes(user.id, 'ACTIVE');
    // The restricted token stays restricted; a fresh sign-in is a full session.
    const full = await signIn(user);
    expect(full.restricted).toBe(false);
    expect(await createCompanion(url, full.accessToken)).toEqual(expect.any(String));
  });

  test('an overturned appeal lifts a suspension', async () => {
    const user = await register(url);
    const caseId = await pendingCase(user);
    await reject(caseId, { action: 'SUSPEND_USER', reason: 'spam', suspendDays: 1 });
    await statusBecomes(user.id, 'SUSPENDED');
    const session = await signIn(user);
    await gql(url, APPEAL, { id: caseId, reason: 'Not spam' }, bearer(session.accessToken));
    await gql(url, RESOLVE, { id: caseId, upheld: false }, bearer(mod2.accessToken));
    await statusBecomes(user.id, 'ACTIVE');
    expect((await signIn(user)).restricted).toBe(false);
  });

  test('a decision event delivered twice applies once; an older one never overwrites a newer status', async () => {
    const user = await register(url);
    const decided = (action: string, occurredAt: Date): EventEnvelope<'moderation.decided'> => ({
      id: uuidv7(),
      type: 'moderation.decided',
      occurredAt: occurredAt.toISOString(),
      actorId: mod1.id,
      userId: user.id,
      payload: {
        caseId: randomUUID(),
        contentType: 'MESSAGE',
        contentId: randomUUID(),
        authorId: user.id,
        status: 'REJECTED',
        action: action as 'BAN_USER',
        suspendUntil: action === 'SUSPEND_USER' ? new Date(Date.now() + 86_400_000).toISOString() : null,
        reason: action,
        automatic: false,
        decidedBy: mod1.id,
        appeal: false,
      },
    });
    const publish = (event: EventEnvelope) =>
      stack.runtime.bus.publish(Topic.moderationDecisions, [{ key: user.id, value: JSON.stringify(event) }]);

    const ban = decided('BAN_USER', new Date());
    await publish(ban);
    await publish(ban);
    await statusBecomes(user.id, 'BANNED');
    // Reinstated by hand, then the same ban redelivered: nothing happens.
    await gql(
      url,
      'mutation($id: ID!) { setUserStatus(userId: $id, status: ACTIVE) { id } }',
      { id: user.id },
      bearer(mod1.accessToken),
    );
    await publish(ban);
    // A decision made before the reinstatement, arriving late: ignored as well.
    await publish(decided('SUSPEND_USER', new Date(Date.now() - 60_000)));
    // A marker after both, so the consumer has provably read past them.
    await publish(decided('WARN_USER', new Date()));
    await statusBecomes(user.id, 'WARNED');
    const changes = lifecycle.received
      .filter((event) => event.type === 'user.status_changed' && event.userId === user.id)
      .map((event) => (event as EventEnvelope<'user.status_changed'>).payload.to);
    expect(changes).toEqual(['BANNED', 'ACTIVE', 'WARNED']);
  });

  test('a display name moderation rejects is reset to a neutral placeholder', async () => {
    const user = await register(url, { displayName: REVIEW_TEXT });
    const queued = await eventually(async () => {
      const queue = await gql<{
        moderationQueue: { edges: { node: { id: string; contentId: string } }[] };
      }>(url, QUEUE, { contentType: 'USER_PROFILE', first: 100 }, bearer(mod1.accessToken));
      return queue.body.data?.moderationQueue.edges.find((edge) => edge.node.contentId === user.id)?.node;
    });
    await reject(queued.id, { action: 'DELETE_CONTENT', reason: 'profanity' });
    const placeholder = `User ${user.id.replace(/-/g, '').slice(-4)}`;
    await eventually(async () => {
      const me = await gql<{ me: { displayName: string; status: string } }>(
        url,
        '{ me { displayName status } }',
        {},
        bearer(user.accessToken),
      );
      return me.body.data?.me.displayName === placeholder ? me.body.data.me : null;
    });
    // Only the profile: the account stays usable.
    expect(await statusOf(user.id)).toBe('ACTIVE');
    await eventually(() =>
      lifecycle.received.find(
        (event) =>
          event.type === 'user.profile_updated' &&
          event.userId === user.id &&
          event.payload.moderationCaseId === queued.id,
      ),
    );
  });
});
