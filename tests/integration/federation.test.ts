import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register } from '../support/http.js';
import { readsById, statementsDuring } from '../support/sql.js';
import { subgraphHeaders } from '../support/ws.js';
import { signIdentity, IdentitySigner } from '../../platform/auth/signed-identity.js';
import { SubgraphDataSource } from '../../gateway/subgraph-data-source.js';
import { createUndiciFetcher } from '../../gateway/undici-fetcher.js';
import type { GatewayContext } from '../../gateway/gateway-context.js';
import type { Identity } from '../../platform/auth/identity.js';
import { decodePayload } from '../support/tokens.js';

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id displayName } } }';

describe.each(profiles())(
  'federation: batched entities, signed identity, request merging ($name profile)',
  (profile) => {
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
    }, 120_000);
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
      // Background work runs too (outbox relay, sweepers); the request's reads by id are what count.
      expect(readsById(statements, 'users')).toHaveLength(1);
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
      expect(readsById(statements, 'users')).toHaveLength(1);
    });
    test('a subgraph takes identity only from a valid signed token: forged or expired ones get 401, plain headers are ignored', async () => {
      const users = stack.subgraphs.users!.url;
      const secret = { 'x-gateway-secret': stack.config.gatewaySecret };
      const me = (headers: Record<string, string>) =>
        gql<{ me: { id: string } | null }>(users, '{ me { id } }', {}, headers);
      const claims = decodePayload(token) as { sub: string; sid: string; role: 'USER' };
      const identity: Identity = { userId: claims.sub, role: claims.role, sessionId: claims.sid };

      expect((await me(subgraphHeaders(stack, token))).body.data).toEqual({ me: { id: claims.sub } });
      const plain = await me({
        ...secret,
        'x-user-id': claims.sub,
        'x-user-role': 'ADMIN',
        'x-session-id': claims.sid,
      });
      expect(plain.status).toBe(200);
      expect(plain.body.data).toEqual({ me: null });
      const good = signIdentity(identity, stack.config.gatewaySecret, 60);
      for (const forged of [
        signIdentity(identity, 'someone-elses-secret-long-enough-000000', 60),
        signIdentity(identity, stack.config.gatewaySecret, -1),
        `${good.split('.')[0]}.${Buffer.alloc(32).toString('base64url')}`,
        'not-a-token',
      ]) {
        const response = await me({ ...secret, 'x-nexus-identity': forged });
        expect(response.status).toBe(401);
        expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(response.body.data).toBeUndefined();
      }
      // A valid identity never replaces the secret.
      expect((await me({ 'x-nexus-identity': good })).status).toBe(403);
    });

    test('identical in-flight reads of one identity are merged into one subgraph call; other identities and mutations never', async () => {
      const users = stack.subgraphs.users!.url;
      const http = createUndiciFetcher({ connections: 4 });
      let merged = 0;
      const source = new SubgraphDataSource({
        url: users,
        secret: stack.config.gatewaySecret,
        signer: new IdentitySigner(stack.config.gatewaySecret, 60),
        fetcher: http.fetcher,
        onMerged: () => (merged += 1),
      });
      const identityOf = (accessToken: string): Identity => {
        const claims = decodePayload(accessToken) as { sub: string; sid: string; role: 'USER' };
        return { userId: claims.sub, role: claims.role, sessionId: claims.sid };
      };
      const other = await register(stack.gateway.url);
      const call = (query: string, accessToken: string) => {
        const context: GatewayContext = {
          requestId: 'merge-test',
          identity: identityOf(accessToken),
          clientAddress: '',
        };
        return source.process({
          kind: 'incoming operation',
          request: { query, variables: {} },
          context,
          incomingRequestContext: { context } as never,
        } as never);
      };
      const served = async (operation: string) => {
        const text = await (await fetch(users.replace('/graphql', '/metrics'))).text();
        const line = text
          .split('\n')
          .find((row) => row.startsWith('graphql_requests_total') && row.includes(`"${operation}"`));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      try {
        const same = await Promise.all([
          call('query MergeSame { me { id } }', token),
          call('query MergeSame { me { id } }', token),
        ]);
        expect(same.map((response) => response.data)).toEqual([
          { me: { id: identityOf(token).userId } },
          { me: { id: identityOf(token).userId } },
        ]);
        expect(await served('MergeSame')).toBe(1);
        expect(merged).toBe(1);

        const two = await Promise.all([
          call('query MergeTwo { me { id } }', token),
          call('query MergeTwo { me { id } }', other.accessToken),
        ]);
        // Each identity got its own answer from its own call.
        expect(two.map((response) => (response.data as { me: { id: string } }).me.id)).toEqual([
          identityOf(token).userId,
          other.id,
        ]);
        expect(await served('MergeTwo')).toBe(2);

        const mutation = 'mutation MergeWrite { updateProfile(input: { displayName: "Same Name" }) { displayName } }';
        await Promise.all([call(mutation, token), call(mutation, token)]);
        expect(await served('MergeWrite')).toBe(2);
        expect(merged).toBe(1);
      } finally {
        await http.close();
      }
    });
  },
);
