import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, errorCode, gql, GOOD_PASSWORD, LOGIN, register, uniqueEmail } from '../support/http.js';
import { execSql } from '../support/sql.js';

const SET_STATUS =
  'mutation($id: ID!, $s: UserStatus!, $r: String) { setUserStatus(userId: $id, status: $s, reason: $r) { id status } }';

describe.each(profiles())('roles and statuses are enforced ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let moderator: Awaited<ReturnType<typeof register>>;
  let admin: Awaited<ReturnType<typeof register>>;

  /** Staff accounts are made by an operator with SQL; a new token carries the new role. */
  async function promote(role: string) {
    const email = uniqueEmail(role.toLowerCase());
    const account = await register(url, { email });
    await execSql(stack, 'users', 'update users set role = ? where id = ?', [role, account.id]);
    const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    return { ...account, accessToken: login.body.data!.login.accessToken };
  }

  beforeAll(async () => {
    stack = await startTestStack(profile);
    url = stack.gateway.url;
    moderator = await promote('MODERATOR');
    admin = await promote('ADMIN');
  });
  afterAll(() => stack?.destroy());

  test('a plain user cannot sanction anyone (FORBIDDEN)', async () => {
    const user = await register(url);
    const target = await register(url);
    const response = await gql(url, SET_STATUS, { id: target.id, s: 'BANNED' }, bearer(user.accessToken));
    expect(errorCode(response)).toBe('FORBIDDEN');
  });

  test('suspension: existing tokens stop working at once; sign-in gives a restricted session only', async () => {
    const email = uniqueEmail();
    const target = await register(url, { email });
    expect((await gql(url, '{ me { id } }', {}, bearer(target.accessToken))).body.data).toEqual({
      me: { id: target.id },
    });

    const suspended = await gql(
      url,
      SET_STATUS,
      { id: target.id, s: 'SUSPENDED', r: 'spam' },
      bearer(moderator.accessToken),
    );
    expect(suspended.body.data).toEqual({ setUserStatus: { id: target.id, status: 'SUSPENDED' } });

    expect(errorCode(await gql(url, '{ me { id } }', {}, bearer(target.accessToken)))).toBe('UNAUTHENTICATED');
    const login = await gql<{ login: { accessToken: string; restricted: boolean } }>(
      url,
      'mutation($input: LoginInput!) { login(input: $input) { accessToken restricted } }',
      { input: { email, password: GOOD_PASSWORD } },
    );
    expect(login.body.data!.login.restricted).toBe(true);
    const restricted = bearer(login.body.data!.login.accessToken);
    expect((await gql(url, '{ me { status } }', {}, restricted)).body.data).toEqual({ me: { status: 'SUSPENDED' } });
    const changed = await gql(url, 'mutation { updateProfile(input: { displayName: "Z" }) { id } }', {}, restricted);
    expect(changed.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_SUSPENDED' });
    // The refresh token of a session the suspension ended stays dead.
    const refresh = await gql(url, 'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', {
      t: target.refreshToken,
    });
    expect(errorCode(refresh)).toBe('UNAUTHENTICATED');

    // Reinstated: a new login works again (its token is issued after the cut-off, even within the same second).
    await gql(url, SET_STATUS, { id: target.id, s: 'ACTIVE' }, bearer(moderator.accessToken));
    const again = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    expect(again.body.data!.login.accessToken).toBeTruthy();
    expect((await gql(url, '{ me { status } }', {}, bearer(again.body.data!.login.accessToken))).body.data).toEqual({
      me: { status: 'ACTIVE' },
    });
  });

  test('a deleted account cannot sign in at all', async () => {
    const email = uniqueEmail();
    const target = await register(url, { email });
    await execSql(stack, 'users', "update users set status = 'DELETED' where id = ?", [target.id]);
    const login = await gql(url, LOGIN, { input: { email, password: GOOD_PASSWORD } });
    expect(login.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_DELETED' });
  });

  test('moderators cannot act on staff; admins can; nobody on themselves', async () => {
    const onAdmin = await gql(url, SET_STATUS, { id: admin.id, s: 'BANNED' }, bearer(moderator.accessToken));
    expect(errorCode(onAdmin)).toBe('FORBIDDEN');
    const self = await gql(url, SET_STATUS, { id: admin.id, s: 'WARNED' }, bearer(admin.accessToken));
    expect(errorCode(self)).toBe('FORBIDDEN');
    const byAdmin = await gql(url, SET_STATUS, { id: moderator.id, s: 'WARNED' }, bearer(admin.accessToken));
    expect(byAdmin.body.data).toEqual({ setUserStatus: { id: moderator.id, status: 'WARNED' } });
    // WARNED does not block.
    expect((await gql(url, '{ me { status } }', {}, bearer(moderator.accessToken))).body.data).toEqual({
      me: { status: 'WARNED' },
    });
  });

  test('admins see emails of others; unknown user → NOT_FOUND', async () => {
    const someone = await register(url);
    const seen = await gql(
      url,
      'query($id: ID!) { user(id: $id) { email } }',
      { id: someone.id },
      bearer(admin.accessToken),
    );
    expect(seen.body.data).toEqual({ user: { email: someone.email } });
    const missing = await gql(
      url,
      SET_STATUS,
      { id: '01900000-0000-7000-8000-000000000000', s: 'BANNED' },
      bearer(admin.accessToken),
    );
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });

  test('sign-in attempts are rate limited per client', async () => {
    const limited = await startTestStack(profile, { RATE_LIMIT_AUTH_PER_SECOND: '5' });
    try {
      const attempt = (ip: string) =>
        gql(
          limited.gateway.url,
          LOGIN,
          { input: { email: 'nobody@example.test', password: 'whatever-1' } },
          { 'x-forwarded-for': ip },
        );
      const started = performance.now();
      const burst = await Promise.all(Array.from({ length: 20 }, () => attempt('203.0.113.7')));
      // The budget is 5 per one-second window; on a loaded machine the burst may straddle windows.
      const windows = Math.ceil((performance.now() - started) / 1000) + 1;
      const limitedResponses = burst.filter((response) => errorCode(response) === 'RATE_LIMITED');
      const allowed = burst.filter((response) => errorCode(response) === 'UNAUTHENTICATED');
      expect(allowed.length + limitedResponses.length).toBe(20);
      expect(allowed.length).toBeGreaterThanOrEqual(5);
      expect(allowed.length).toBeLessThanOrEqual(5 * windows);
      expect(limitedResponses.length).toBeGreaterThan(0);
      expect(limitedResponses[0]!.status).toBe(429);
      // Another client is unaffected.
      expect(errorCode(await attempt('203.0.113.8'))).toBe('UNAUTHENTICATED');
    } finally {
      await limited.destroy();
    }
  });
});
