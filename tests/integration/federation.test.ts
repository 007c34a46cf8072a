import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register } from '../support/http.js';
import { statementsDuring } from '../support/sql.js';
import { subgraphHeaders } from '../support/ws.js';

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id displayName } } }';

describe.each(profiles())('entity resolution is batched ($name profile)', (profile) => {
  let stack: TestStack;
  let ids: string[];
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack(profile);
    const accounts = [];
    for (let i = 0; i < 100; i += 10) {
      accounts.push(...(await Promise.all(Array.from({ length: 10 }, () => register(stack.gateway.url)))));
    }
    ids = accounts.map((account) => account.id);
    token = accounts[0]!.accessToken;
  });
  afterAll(() => stack?.destroy());

  test('100 User references from another subgraph cost one SQL statement', async () => {
    let data: { _entities: { id: string }[] } | undefined;
    const statements = await statementsDuring(stack, 'users', async () => {
      const response = await gql<{ _entities: { id: string }[] }>(
        stack.subgraphs.users!.url,
        ENTITIES,
        { r: ids.map((id) => ({ __typename: 'User', id })) },
        subgraphHeaders(stack, token),
      );
      data = response.body.data ?? undefined;
    });
    expect(data!._entities.map((user) => user.id)).toEqual(ids);
    // The outbox relay polls in the background; only the request's own statements count.
    const requestStatements = statements.filter((line) => !/"outbox"|\] (begin|commit)/.test(line));
    expect(requestStatements).toHaveLength(1);
    expect(requestStatements[0]).toMatch(/select .* from "users"/);
  });

  test('users(ids) through the gateway keeps order, nulls unknown ids, and also costs one statement', async () => {
    const asked = [ids[5]!, '01900000-0000-7000-8000-000000000000', ids[0]!, 'not-a-uuid'];
    let response: Awaited<ReturnType<typeof gql>> | undefined;
    const statements = await statementsDuring(stack, 'users', async () => {
      response = await gql(
        stack.gateway.url,
        'query($ids: [ID!]!) { users(ids: $ids) { id } }',
        { ids: asked },
        bearer(token),
      );
    });
    expect(response!.body.data).toEqual({ users: [{ id: ids[5] }, null, { id: ids[0] }, null] });
    expect(statements.filter((line) => !/"outbox"|\] (begin|commit)/.test(line))).toHaveLength(1);
  });
});
