import { createHash } from 'node:crypto';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import {
  bearer,
  errorCode,
  gql,
  GOOD_PASSWORD,
  LOGIN,
  postRaw,
  register,
  REGISTER,
  uniqueEmail,
} from '../support/http.js';
import { decodePayload, signToken, tamperedToken, unsignedToken } from '../support/tokens.js';

const ME = '{ me { id } }';

describe.each(profiles())('bad input gets a clear error and changes nothing ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    stack = await startTestStack(profile, { MAX_BODY_BYTES: '4096', MAX_QUERY_DEPTH: '5', MAX_ALIASES: '3' });
    url = stack.gateway.url;
  });
  afterAll(() => stack?.destroy());

  test('malformed JSON → 400 BAD_REQUEST', async () => {
    const response = await postRaw(url, '{"query": "{ me { id } }"');
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('BAD_REQUEST');
  });

  test('invalid GraphQL → GRAPHQL_PARSE_FAILED', async () => {
    const response = await gql(url, '{ me { id }');
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('GRAPHQL_PARSE_FAILED');
  });

  test('unknown field → GRAPHQL_VALIDATION_FAILED naming it', async () => {
    const response = await gql(url, '{ me { id secretField } }');
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.body.errors![0]!.message).toContain('secretField');
  });

  test('wrong variable type → BAD_USER_INPUT', async () => {
    const response = await gql(url, REGISTER, { input: { email: 42, password: true } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });

  test('body over the size limit → 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await gql(url, ME, { padding: 'x'.repeat(10_000) });
    expect(response.status).toBe(413);
    expect(errorCode(response)).toBe('PAYLOAD_TOO_LARGE');
  });

  test('wrong scalar in a variable → BAD_USER_INPUT', async () => {
    const response = await gql(url, 'query($id: ID!) { user(id: $id) { id } }', { id: { nested: 1 } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });

  test('too many aliases → refused before execution', async () => {
    const response = await gql(url, '{ me { id } a: me { id } b: me { id } c: me { id } d: me { id } }');
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.body.errors![0]!.message).toContain('Too many aliases');
  });

  describe('request hygiene: 400 with a stable code, never a 500', () => {
    test('a fragment cycle → 400 GRAPHQL_VALIDATION_FAILED', async () => {
      const response = await gql(
        url,
        'query Q { me { ...A } } fragment A on User { id ...B } fragment B on User { displayName ...A }',
      );
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.body.errors![0]!.message).toBe('Cannot spread fragment "A" within itself via "B".');
    });

    test('two operations without operationName → 400 BAD_REQUEST OPERATION_NAME_REQUIRED', async () => {
      const document = 'query A { me { id } } query B { me { displayName } }';
      const response = await gql(url, document);
      expect(response.status).toBe(400);
      expect(response.body.errors![0]!.extensions).toEqual({ code: 'BAD_REQUEST', reason: 'OPERATION_NAME_REQUIRED' });
      const unknown = await postRaw(url, JSON.stringify({ query: document, operationName: 'C' }));
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors![0]!.extensions).toEqual({ code: 'BAD_REQUEST', reason: 'UNKNOWN_OPERATION_NAME' });
      const chosen = await postRaw(url, JSON.stringify({ query: document, operationName: 'B' }));
      expect(chosen).toEqual({ status: 200, body: { data: { me: null } } });
    });

    test('a NUL byte or a lone surrogate in an argument or variable → 400 BAD_USER_INPUT INVALID_STRING', async () => {
      const account = await register(url);
      const cases = [
        gql(url, '{ user(id: "a\\u0000b") { id } }', {}, bearer(account.accessToken)),
        gql(url, 'query($id: ID!) { user(id: $id) { id } }', { id: 'a\u0000b' }, bearer(account.accessToken)),
        gql(url, 'query($id: ID!) { user(id: $id) { id } }', { id: '\ud800' }, bearer(account.accessToken)),
        gql(url, REGISTER, { input: { email: uniqueEmail(), password: GOOD_PASSWORD, displayName: 'Zoë\udc00' } }),
      ];
      const responses = await Promise.all(cases);
      for (const response of responses) {
        expect(response.status).toBe(400);
        expect(response.body.errors![0]!.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'INVALID_STRING',
        });
        expect(response.body.data).toBeUndefined();
      }
      expect(responses.map((response) => response.body.errors![0]!.extensions!.field)).toEqual([
        'id',
        '$id',
        '$id',
        '$input.displayName',
      ]);
      expect(responses[3]!.body.errors![0]!.message).toBe('$input.displayName contains an unpaired UTF-16 surrogate');
      // A literal lone surrogate is already a syntax error.
      const literal = await postRaw(url, '{"query":"{ user(id: \\"\\\\ud800\\") { id } }"}');
      expect(literal.status).toBe(400);
      expect(errorCode(literal)).toBe('GRAPHQL_PARSE_FAILED');
    });

    test('an APQ hash that does not match the query → 400 BAD_REQUEST PERSISTED_QUERY_HASH_MISMATCH', async () => {
      const apq = (query: string, version: number, sha256Hash: string) =>
        postRaw(url, JSON.stringify({ query, extensions: { persistedQuery: { version, sha256Hash } } }));
      const mismatch = await apq(ME, 1, createHash('sha256').update('{ me { email } }').digest('hex'));
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors![0]!.extensions).toEqual({
        code: 'BAD_REQUEST',
        reason: 'PERSISTED_QUERY_HASH_MISMATCH',
      });
      const version = await apq(ME, 2, 'x');
      expect(version.status).toBe(400);
      expect(version.body.errors![0]!.extensions).toEqual({
        code: 'BAD_REQUEST',
        reason: 'PERSISTED_QUERY_VERSION_UNSUPPORTED',
      });
      // The genuine hash registers the query, which the hash alone then runs.
      const hash = createHash('sha256').update(ME).digest('hex');
      expect(await apq(ME, 1, hash)).toEqual({ status: 200, body: { data: { me: null } } });
      const byHash = await postRaw(
        url,
        JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      );
      expect(byHash).toEqual({ status: 200, body: { data: { me: null } } });
    });

    test('outside production, errors keep their suggestions', async () => {
      expect((await gql(url, '{ me { idd } }')).body.errors![0]!.message).toBe(
        'Cannot query field "idd" on type "User". Did you mean "id"?',
      );
      const input = { emial: uniqueEmail(), password: GOOD_PASSWORD, displayName: 'X' };
      expect((await gql(url, REGISTER, { input })).body.errors![0]!.message).toContain('Did you mean "email"?');
    });
  });

  describe('tokens', () => {
    let account: Awaited<ReturnType<typeof register>>;
    beforeAll(async () => {
      account = await register(url);
    });

    const refused = async (authorization: string) => {
      const response = await gql(url, ME, {}, { authorization });
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
      expect(response.body.data).toBeUndefined();
    };

    test('garbage, wrong scheme and empty bearer', async () => {
      await refused('Bearer not-a-jwt');
      await refused(`Basic ${account.accessToken}`);
      await refused('Bearer ');
    });

    test('expired token', async () => {
      const claims = decodePayload(account.accessToken) as { sub: string; sid: string; role: string };
      const expired = await signToken(stack.config, claims, {
        issuedAt: Math.floor(Date.now() / 1000) - 3600,
        expiresInSeconds: 60,
      });
      await refused(`Bearer ${expired}`);
    });

    test('alg none, wrong key, tampered payload', async () => {
      const claims = decodePayload(account.accessToken);
      await refused(`Bearer ${unsignedToken(claims)}`);
      const wrongKey = await signToken(stack.config, claims as { sub: string; sid: string; role: string }, {
        secret: 'some-other-secret-that-is-long-enough-000',
      });
      await refused(`Bearer ${wrongKey}`);
      await refused(`Bearer ${tamperedToken(account.accessToken, { role: 'ADMIN' })}`);
    });

    test('the genuine token still works', async () => {
      expect((await gql(url, ME, {}, bearer(account.accessToken))).body.data).toEqual({ me: { id: account.id } });
    });
  });

  describe('registration and login', () => {
    test('duplicate email (any case) → BAD_USER_INPUT EMAIL_TAKEN, first account intact', async () => {
      const email = uniqueEmail();
      const first = await register(url, { email });
      const again = await gql(url, REGISTER, {
        input: { email: email.toUpperCase(), password: 'different-pass-99', displayName: 'Copy' },
      });
      expect(again.body.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'email',
        reason: 'EMAIL_TAKEN',
      });
      const login = await gql<{ login: { user: { id: string; displayName: string } } }>(url, LOGIN, {
        input: { email, password: GOOD_PASSWORD },
      });
      expect(login.body.data!.login.user).toMatchObject({ id: first.id, displayName: 'Test User' });
      // The loser's password was not written anywhere.
      expect(errorCode(await gql(url, LOGIN, { input: { email, password: 'different-pass-99' } }))).toBe(
        'UNAUTHENTICATED',
      );
    });

    test.each([
      ['short', 'abc1'],
      ['letters only', 'abcdefghijkl'],
      ['digits only', '12345678901'],
      ['repetitive', 'aaaaaaaaa1a1'],
    ])('weak password (%s) → BAD_USER_INPUT WEAK_PASSWORD, no account', async (_, password) => {
      const email = uniqueEmail();
      const response = await gql(url, REGISTER, { input: { email, password, displayName: 'Weak' } });
      expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'WEAK_PASSWORD' });
      expect(errorCode(await gql(url, LOGIN, { input: { email, password } }))).toBe('UNAUTHENTICATED');
      // The email is still free.
      expect((await register(url, { email })).id).toBeTruthy();
    });

    test('invalid email and display name → BAD_USER_INPUT naming the field', async () => {
      const badEmail = await gql(url, REGISTER, {
        input: { email: 'not-an-email', password: GOOD_PASSWORD, displayName: 'X' },
      });
      expect(badEmail.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
      const badName = await gql(url, REGISTER, {
        input: { email: uniqueEmail(), password: GOOD_PASSWORD, displayName: '   ' },
      });
      expect(badName.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'displayName' });
    });

    test('wrong password and unknown email get the same answer', async () => {
      const email = uniqueEmail();
      await register(url, { email });
      const wrong = await gql(url, LOGIN, { input: { email, password: 'wrong-password-1' } });
      const unknown = await gql(url, LOGIN, { input: { email: uniqueEmail(), password: 'wrong-password-1' } });
      expect(wrong.body.errors![0]!.message).toBe(unknown.body.errors![0]!.message);
      expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
      expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
      expect(wrong.status).toBe(unknown.status);
    });
  });

  test('a direct subgraph call without the gateway secret → 403 FORBIDDEN', async () => {
    const account = await register(url);
    const direct = await gql(
      stack.subgraphs.users!.url,
      ME,
      {},
      { ...bearer(account.accessToken), 'x-user-id': account.id },
    );
    expect(direct.status).toBe(403);
    expect(errorCode(direct)).toBe('FORBIDDEN');
    const wrongSecret = await gql(stack.subgraphs.users!.url, ME, {}, { 'x-gateway-secret': 'guess' });
    expect(wrongSecret.status).toBe(403);
  });

  test('unknown path → 404, health and metrics stay open', async () => {
    const base = stack.subgraphs.users!.url.replace('/graphql', '');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('graphql_requests_total');
  });
});

describe.each(profiles())('production hides schema details in errors ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    stack = await startTestStack(profile, {
      NODE_ENV: 'production',
      JWT_SECRET: 'production-test-jwt-secret-0123456789abcdef',
      GATEWAY_SECRET: 'production-test-gateway-secret-0123456789ab',
      // The embedded profile has no shared services: production allows it only as one node.
      ...(profile.name === 'embedded' ? { SINGLE_NODE: 'true' } : {}),
    });
    url = stack.gateway.url;
  }, 120_000);
  afterAll(() => stack?.destroy());

  test('no "Did you mean" for unknown fields, types, enum values or input fields', async () => {
    const account = await register(url);
    const responses = await Promise.all([
      gql(url, '{ me { idd } }'),
      gql(url, 'query($x: Strin) { me { id } }'),
      gql(url, REGISTER, { input: { emial: uniqueEmail(), password: GOOD_PASSWORD, displayName: 'X' } }),
      gql(
        url,
        'mutation { createCompanion(input: { name: "n", description: "d", personality: [], visibility: PUBLC }) { id } }',
        {},
        bearer(account.accessToken),
      ),
      gql(
        url,
        'mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }',
        { input: { name: 'n', description: 'd', personality: [], visibility: 'PUBLC' } },
        bearer(account.accessToken),
      ),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(response.body.errors!.length).toBeGreaterThan(0);
      for (const error of response.body.errors!) expect(error.message).not.toMatch(/did you mean/i);
    }
    expect(responses[0]!.body.errors![0]).toMatchObject({
      message: 'Cannot query field "idd" on type "User".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(responses[2]!.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  test('the hygiene refusals answer the same in production', async () => {
    const twoOps = await gql(url, 'query A { me { id } } query B { me { id } }');
    expect(twoOps.status).toBe(400);
    expect(twoOps.body.errors![0]!.extensions).toEqual({ code: 'BAD_REQUEST', reason: 'OPERATION_NAME_REQUIRED' });
    const nul = await gql(url, 'query($id: ID!) { user(id: $id) { id } }', { id: '\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_STRING' });
  });
});
