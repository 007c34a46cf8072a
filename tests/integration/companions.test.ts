import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, errorCode, gql, register } from '../support/http.js';
import { createCompanion, startConversation } from '../support/chat.js';

const LIST =
  'query($first: Int, $after: String) { companions(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }';
const UPDATE =
  'mutation($id: ID!, $input: CompanionInput!) { updateCompanion(id: $id, input: $input) { id name personality } }';

describe.each(profiles())('companions ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let alice: Awaited<ReturnType<typeof register>>;
  let bob: Awaited<ReturnType<typeof register>>;

  beforeAll(async () => {
    stack = await startTestStack(profile);
    url = stack.gateway.url;
    [alice, bob] = await Promise.all([register(url), register(url)]);
  });
  afterAll(() => stack?.destroy());

  test('PUBLIC companions are listed for everyone, PRIVATE ones only for the owner', async () => {
    const open = await createCompanion(url, alice.accessToken, { name: 'Open', visibility: 'PUBLIC' });
    const secret = await createCompanion(url, alice.accessToken, { name: 'Secret', visibility: 'PRIVATE' });
    const ids = async (token?: string) => {
      const response = await gql<{ companions: { edges: { node: { id: string } }[] } }>(
        url,
        LIST,
        { first: 100 },
        token ? bearer(token) : {},
      );
      return response.body.data!.companions.edges.map((edge) => edge.node.id);
    };
    expect(await ids(alice.accessToken)).toEqual(expect.arrayContaining([open, secret]));
    expect(await ids(bob.accessToken)).toContain(open);
    expect(await ids(bob.accessToken)).not.toContain(secret);
    expect(await ids()).not.toContain(secret);
    const seenByBob = await gql(
      url,
      'query($id: ID!) { companion(id: $id) { id } }',
      { id: secret },
      bearer(bob.accessToken),
    );
    expect(seenByBob.body.data).toEqual({ companion: null });
    // Bob sees Alice's public companion under her profile, with the owner resolved by the users subgraph.
    const profile = await gql<{
      user: { displayName: string; companions: { edges: { node: { id: string; owner: { displayName: string } } }[] } };
    }>(
      url,
      'query($id: ID!) { user(id: $id) { displayName companions { edges { node { id owner { displayName } } } } } }',
      { id: alice.id },
      bearer(bob.accessToken),
    );
    const shown = profile.body.data!.user.companions.edges.map((edge) => edge.node.id);
    expect(shown).toContain(open);
    expect(shown).not.toContain(secret);
    expect(profile.body.data!.user.companions.edges[0]!.node.owner.displayName).toBe('Test User');
  });

  test('only the owner edits or deletes; others get NOT_FOUND and learn nothing', async () => {
    const id = await createCompanion(url, alice.accessToken);
    const input = { name: 'Renamed', description: 'x', personality: ['calm', 'calm', ' '], visibility: 'PRIVATE' };
    const byBob = await gql(url, UPDATE, { id, input }, bearer(bob.accessToken));
    expect(errorCode(byBob)).toBe('NOT_FOUND');
    const missing = await gql(
      url,
      UPDATE,
      { id: '01900000-0000-7000-8000-000000000000', input },
      bearer(alice.accessToken),
    );
    expect(missing.body.errors![0]!.message).toBe(byBob.body.errors![0]!.message);
    const byAlice = await gql(url, UPDATE, { id, input }, bearer(alice.accessToken));
    expect(byAlice.body.data).toEqual({ updateCompanion: { id, name: 'Renamed', personality: ['calm'] } });
    expect(
      errorCode(await gql(url, 'mutation($id: ID!) { deleteCompanion(id: $id) }', { id }, bearer(bob.accessToken))),
    ).toBe('NOT_FOUND');
    expect(
      (await gql(url, 'mutation($id: ID!) { deleteCompanion(id: $id) }', { id }, bearer(alice.accessToken))).body.data,
    ).toEqual({
      deleteCompanion: true,
    });
    expect(
      (await gql(url, 'query($id: ID!) { companion(id: $id) { id } }', { id }, bearer(alice.accessToken))).body.data,
    ).toEqual({ companion: null });
    const start = await gql(
      url,
      'mutation($id: ID!) { startConversation(companionId: $id) { id } }',
      { id },
      bearer(alice.accessToken),
    );
    expect(errorCode(start)).toBe('NOT_FOUND');
  });

  test('invalid companion input names the field', async () => {
    const create = (input: Record<string, unknown>) =>
      gql(
        url,
        'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }',
        {
          input: { name: 'N', description: '', personality: [], visibility: 'PUBLIC', ...input },
        },
        bearer(alice.accessToken),
      );
    expect((await create({ name: '  ' })).body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
    expect(
      (await create({ personality: Array.from({ length: 13 }, (_, i) => `t${i}`) })).body.errors![0]!.extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'personality',
    });
    expect(
      errorCode(
        await gql(
          url,
          'mutation { createCompanion(input: { name: "x", description: "", personality: [], visibility: PUBLIC }) { id } }',
        ),
      ),
    ).toBe('UNAUTHENTICATED');
  });

  test('connections page with first/after in a stable order', async () => {
    const owner = await register(url);
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createCompanion(url, owner.accessToken, { name: `C${i}` }));
    const page = (after?: string) =>
      gql<{
        me: {
          companions: {
            edges: { cursor: string; node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        };
      }>(
        url,
        'query($after: String) { me { companions(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }',
        { after },
        bearer(owner.accessToken),
      );
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { companions } = (await page(after)).body.data!.me;
      seen.push(...companions.edges.map((edge) => edge.node.id));
      if (!companions.pageInfo.hasNextPage) break;
      after = companions.pageInfo.endCursor;
    }
    expect(seen).toEqual([...created].reverse()); // newest first, each once
    const bad = await gql(url, '{ companions(after: "bogus") { edges { cursor } } }');
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(errorCode(await gql(url, '{ companions(first: 1000) { edges { cursor } } }'))).toBe('BAD_USER_INPUT');
  });

  test("another user's conversation is NOT_FOUND, and conversations are private", async () => {
    const companion = await createCompanion(url, alice.accessToken, { visibility: 'PUBLIC' });
    const conversation = await startConversation(url, alice.accessToken, companion);
    const asBob = await gql(
      url,
      'query($id: ID!) { conversation(id: $id) { id } }',
      { id: conversation },
      bearer(bob.accessToken),
    );
    expect(asBob.body.data).toEqual({ conversation: null });
    const send = await gql(
      url,
      'mutation($c: ID!) { sendMessage(conversationId: $c, content: "hi") { reply { id } } }',
      { c: conversation },
      bearer(bob.accessToken),
    );
    expect(errorCode(send)).toBe('NOT_FOUND');
    const list = await gql(
      url,
      'query($id: ID!) { user(id: $id) { conversations { edges { cursor } } } }',
      { id: alice.id },
      bearer(bob.accessToken),
    );
    expect(errorCode(list)).toBe('FORBIDDEN');
    const mine = await gql<{
      me: { conversations: { edges: { node: { id: string; companion: { id: string }; user: { id: string } } }[] } };
    }>(
      url,
      '{ me { conversations { edges { node { id companion { id } user { id } } } } } }',
      {},
      bearer(alice.accessToken),
    );
    expect(mine.body.data!.me.conversations.edges[0]!.node).toEqual({
      id: conversation,
      companion: { id: companion },
      user: { id: alice.id },
    });
  });

  describe("a companion its owner makes PRIVATE, seen through another user's conversation", () => {
    const PERSONA = { description: 'A retired lighthouse keeper.', personality: ['patient', 'dry humour'] };
    const VIEW =
      'query($id: ID!) { conversation(id: $id) { id title companion { id name description personality visibility available } } }';
    const setVisibility = (id: string, visibility: 'PUBLIC' | 'PRIVATE') =>
      gql(url, UPDATE, { id, input: { name: 'Keeper', ...PERSONA, visibility } }, bearer(alice.accessToken));
    const view = async (token: string, conversation: string) =>
      (
        await gql<{ conversation: { companion: Record<string, unknown> } }>(
          url,
          VIEW,
          { id: conversation },
          bearer(token),
        )
      ).body.data!.conversation.companion;
    const sendAs = (token: string, conversation: string) =>
      gql(
        url,
        'mutation($c: ID!) { sendMessage(conversationId: $c, content: "still there?") { reply { id status } } }',
        { c: conversation },
        bearer(token),
      );

    let companion: string;
    let conversation: string;
    beforeAll(async () => {
      companion = await createCompanion(url, alice.accessToken, { name: 'Keeper', ...PERSONA, visibility: 'PUBLIC' });
      conversation = await startConversation(url, bob.accessToken, companion);
      expect(await view(bob.accessToken, conversation)).toMatchObject({ ...PERSONA, available: true });
      expect((await setVisibility(companion, 'PRIVATE')).body.data).toBeTruthy();
    });

    test('is shown without its persona and marked unavailable', async () => {
      expect(await view(bob.accessToken, conversation)).toEqual({
        id: companion,
        name: 'Keeper',
        description: '',
        personality: [],
        visibility: 'PRIVATE',
        available: false,
      });
      // Every way to it: directly, and through the conversations list.
      const direct = await gql(
        url,
        'query($id: ID!) { companion(id: $id) { id } }',
        { id: companion },
        bearer(bob.accessToken),
      );
      expect(direct.body.data).toEqual({ companion: null });
      const listed = await gql<{
        me: { conversations: { edges: { node: { companion: Record<string, unknown> } }[] } };
      }>(
        url,
        '{ me { conversations { edges { node { companion { id description personality available } } } } } }',
        {},
        bearer(bob.accessToken),
      );
      expect(listed.body.data!.me.conversations.edges.map((edge) => edge.node.companion)).toContainEqual({
        id: companion,
        description: '',
        personality: [],
        available: false,
      });
      expect(JSON.stringify(listed.body)).not.toContain('lighthouse');
      // The owner still sees everything.
      const own = await gql<{ companion: Record<string, unknown> }>(
        url,
        'query($id: ID!) { companion(id: $id) { description personality available } }',
        { id: companion },
        bearer(alice.accessToken),
      );
      expect(own.body.data!.companion).toEqual({ ...PERSONA, available: true });
    });

    test('new messages are refused with FORBIDDEN COMPANION_UNAVAILABLE; nothing is stored', async () => {
      const refused = await sendAs(bob.accessToken, conversation);
      expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'COMPANION_UNAVAILABLE' });
      expect(refused.body.data).toBeNull();
      const messages = await gql<{ conversation: { messages: { edges: unknown[] } } }>(
        url,
        'query($id: ID!) { conversation(id: $id) { messages { edges { cursor } } } }',
        { id: conversation },
        bearer(bob.accessToken),
      );
      expect(messages.body.data!.conversation.messages.edges).toEqual([]);
      // A new conversation with it is NOT_FOUND, like any companion Bob may not see.
      const start = await gql(
        url,
        'mutation($id: ID!) { startConversation(companionId: $id) { id } }',
        { id: companion },
        bearer(bob.accessToken),
      );
      expect(errorCode(start)).toBe('NOT_FOUND');
    });

    test('made PUBLIC again, it is available and chattable again', async () => {
      expect((await setVisibility(companion, 'PUBLIC')).body.data).toBeTruthy();
      expect(await view(bob.accessToken, conversation)).toMatchObject({ ...PERSONA, available: true });
      const sent = await sendAs(bob.accessToken, conversation);
      expect(sent.body.errors).toBeUndefined();
      expect(sent.body.data).toMatchObject({ sendMessage: { reply: { status: 'STREAMING' } } });
      await setVisibility(companion, 'PRIVATE');
    });

    test('a deleted companion is unavailable too, and sendMessage says COMPANION_DELETED', async () => {
      const gone = await createCompanion(url, alice.accessToken, { name: 'Gone', ...PERSONA, visibility: 'PUBLIC' });
      const chat = await startConversation(url, bob.accessToken, gone);
      await gql(url, 'mutation($id: ID!) { deleteCompanion(id: $id) }', { id: gone }, bearer(alice.accessToken));
      expect(await view(bob.accessToken, chat)).toMatchObject({ description: '', personality: [], available: false });
      expect((await sendAs(bob.accessToken, chat)).body.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'COMPANION_DELETED',
      });
    });
  });
});
