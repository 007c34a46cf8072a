import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { gql, register, type Account } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { statementsDuring } from '../support/sql.js';
import { subgraphParams } from '../support/ws.js';

const ENTITIES = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Message { id content status conversation { id } }
    ... on Conversation { id title messages { edges { node { content } } } }
    ... on Companion { id name description }
  }
}`;

const SECRET_TEXT = 'my secret diary entry 4242';

type Entity = { __typename: string; id: string } | null;

/**
 * `_entities` straight at the companions subgraph, authenticated as the gateway: with the
 * gateway's secret and the identity of `account` (or of nobody). The only place this test
 * builds gateway-to-subgraph headers, so a change in how identity travels is one edit.
 */
async function entitiesAs(stack: TestStack, account: Account | null, representations: object[], query = ENTITIES) {
  const headers = account
    ? subgraphParams(stack, account.accessToken)
    : { 'x-gateway-secret': stack.config.gatewaySecret };
  const response = await gql<{ _entities: Entity[] }>(
    stack.subgraphs.companions!.url,
    query,
    { r: representations },
    headers,
  );
  expect(response.status).toBe(200);
  return response;
}

describe.each(profiles())(
  'entity references check the viewer, not only the gateway secret ($name profile)',
  (profile) => {
    let stack: TestStack;
    let alice: Account;
    let bob: Account;
    const ids = {} as Record<
      'privateCompanion' | 'publicCompanion' | 'aliceConversation' | 'bobConversation' | 'message' | 'reply',
      string
    >;
    const refs = () => [
      { __typename: 'Message', id: ids.message },
      { __typename: 'Message', id: ids.reply },
      { __typename: 'Conversation', id: ids.aliceConversation },
      { __typename: 'Companion', id: ids.privateCompanion },
      { __typename: 'Companion', id: ids.publicCompanion },
      { __typename: 'Conversation', id: ids.bobConversation },
    ];

    beforeAll(async () => {
      // Replies finish at once, so no background write overlaps the statement count below.
      stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '100000' });
      const url = stack.gateway.url;
      [alice, bob] = await Promise.all([register(url), register(url)]);
      ids.privateCompanion = await createCompanion(url, alice.accessToken, {
        name: 'Confidant',
        description: 'Knows everything about Alice.',
        visibility: 'PRIVATE',
      });
      ids.publicCompanion = await createCompanion(url, alice.accessToken, { name: 'Guide', visibility: 'PUBLIC' });
      ids.aliceConversation = await startConversation(url, alice.accessToken, ids.privateCompanion);
      ids.bobConversation = await startConversation(url, bob.accessToken, ids.publicCompanion);
      const sent = await send(url, alice.accessToken, ids.aliceConversation, SECRET_TEXT);
      ids.message = sent.body.data!.sendMessage.message.id;
      ids.reply = sent.body.data!.sendMessage.reply.id;
    }, 120_000);
    afterAll(() => stack?.destroy());

    test('the owner resolves her own message, reply, conversation and private companion', async () => {
      const { body } = await entitiesAs(stack, alice, refs());
      expect(body.errors).toBeUndefined();
      const [message, reply, conversation, privateCompanion, publicCompanion, bobs] = body.data!._entities;
      expect(message).toMatchObject({
        __typename: 'Message',
        id: ids.message,
        content: SECRET_TEXT,
        conversation: { id: ids.aliceConversation },
      });
      expect(reply).toMatchObject({ __typename: 'Message', id: ids.reply });
      expect(conversation).toMatchObject({ __typename: 'Conversation', id: ids.aliceConversation, title: 'Confidant' });
      expect(privateCompanion).toMatchObject({ __typename: 'Companion', id: ids.privateCompanion, name: 'Confidant' });
      expect(publicCompanion).toMatchObject({ __typename: 'Companion', id: ids.publicCompanion });
      expect(bobs).toBeNull(); // Bob's conversation is not hers
    });

    test("another user's identity gets null for each of them, and none of their data", async () => {
      const { body } = await entitiesAs(stack, bob, refs());
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities).toEqual([
        null,
        null,
        null,
        null,
        { __typename: 'Companion', id: ids.publicCompanion, name: 'Guide', description: 'A curious astronomer.' },
        { __typename: 'Conversation', id: ids.bobConversation, title: 'Guide', messages: { edges: [] } },
      ]);
      const text = JSON.stringify(body);
      for (const secret of [SECRET_TEXT, 'Confidant', 'Knows everything', ids.aliceConversation]) {
        expect(text).not.toContain(secret);
      }
    });

    test('no identity at all (the secret alone) gets null for everything not PUBLIC', async () => {
      const { body } = await entitiesAs(stack, null, refs());
      expect(body.errors).toBeUndefined();
      expect(body.data!._entities.map((entity) => entity?.id ?? null)).toEqual([
        null,
        null,
        null,
        null,
        ids.publicCompanion,
        null,
      ]);
      expect(JSON.stringify(body)).not.toContain(SECRET_TEXT);
    });

    test('the checks stay batched: six references of three types cost at most four statements', async () => {
      const statements = await statementsDuring(stack, 'companions', () =>
        entitiesAs(stack, alice, refs(), 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }'),
      );
      // Background work of the subgraph may run meanwhile (the outbox relay, moderation decisions
      // being applied, the stale-reply sweeper): count the reads, less the sweeper's.
      const own = statements.filter((line) => /\] select /.test(line) && !/"outbox"|"progress_at" </.test(line));
      // Messages, their conversations (the owner check), conversations, companions: one select each at most.
      expect(own.length).toBeGreaterThanOrEqual(3);
      expect(own.length).toBeLessThanOrEqual(4);
      for (const line of own) expect(line).toMatch(/select .* from "(messages|conversations|companions)"/);
    });

    test('unknown and malformed ids resolve to null like foreign ones', async () => {
      const { body } = await entitiesAs(stack, alice, [
        { __typename: 'Message', id: '01900000-0000-7000-8000-000000000000' },
        { __typename: 'Conversation', id: 'not-a-uuid' },
        { __typename: 'Companion', id: '01900000-0000-7000-8000-000000000001' },
      ]);
      expect(body.data!._entities).toEqual([null, null, null]);
    });
  },
);
