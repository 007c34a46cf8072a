import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, errorCode, gql, GOOD_PASSWORD, LOGIN, register, REGISTER, uniqueEmail } from '../support/http.js';

const ME = '{ me { id email displayName role status plan createdAt } }';
const REFRESH = 'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { id } } }';

describe.each(profiles())('users through the gateway ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    stack = await startTestStack(profile);
    url = stack.gateway.url;
  });
  afterAll(() => stack?.destroy());

  test('register → login → me', async () => {
    const email = uniqueEmail('Mixed.Case');
    const registered = await gql<{ register: { user: { email: string; role: string; status: string; plan: string } } }>(
      url,
      REGISTER,
      { input: { email, password: GOOD_PASSWORD, displayName: '  Ada  ' } },
    );
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data!.register.user).toMatchObject({
      email: email.toLowerCase(),
      displayName: 'Ada',
      role: 'USER',
      status: 'ACTIVE',
      plan: 'FREE',
    });

    const login = await gql<{ login: { accessToken: string; user: { id: string } } }>(url, LOGIN, {
      input: { email: email.toUpperCase(), password: GOOD_PASSWORD },
    });
    expect(login.status).toBe(200);
    const token = login.body.data!.login.accessToken;

    const me = await gql<{ me: { id: string; email: string; createdAt: string } }>(url, ME, {}, bearer(token));
    expect(me.body.data!.me.id).toBe(login.body.data!.login.user.id);
    expect(me.body.data!.me.email).toBe(email.toLowerCase());
    expect(new Date(me.body.data!.me.createdAt).toISOString()).toBe(me.body.data!.me.createdAt);
  });

  test('me is null without a token; protected fields say UNAUTHENTICATED', async () => {
    expect((await gql(url, ME)).body.data).toEqual({ me: null });
    const anonymous = await gql(url, 'mutation { updateProfile(input: { displayName: "x" }) { id } }');
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });

  test('refresh tokens rotate; replaying a used one ends the whole session', async () => {
    const account = await register(url);
    const first = await gql<{ refreshToken: { accessToken: string; refreshToken: string } }>(url, REFRESH, {
      t: account.refreshToken,
    });
    const rotated = first.body.data!.refreshToken;
    expect(rotated.refreshToken).not.toBe(account.refreshToken);
    expect((await gql(url, ME, {}, bearer(rotated.accessToken))).body.data).toMatchObject({ me: { id: account.id } });

    const replay = await gql(url, REFRESH, { t: account.refreshToken });
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');
    // The family is revoked: the newest refresh token and the access tokens stop working too.
    expect(errorCode(await gql(url, REFRESH, { t: rotated.refreshToken }))).toBe('UNAUTHENTICATED');
    const after = await gql(url, ME, {}, bearer(rotated.accessToken));
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
  });

  test('logout revokes the session at once', async () => {
    const account = await register(url);
    const logout = await gql(url, 'mutation { logout }', {}, bearer(account.accessToken));
    expect(logout.body.data).toEqual({ logout: true });
    expect(errorCode(await gql(url, ME, {}, bearer(account.accessToken)))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, REFRESH, { t: account.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  test('updateProfile and changePassword (other sessions end, this one stays)', async () => {
    const email = uniqueEmail();
    const account = await register(url, { email });
    const other = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    const otherToken = other.body.data!.login.accessToken;

    const updated = await gql(
      url,
      'mutation { updateProfile(input: { displayName: "Grace" }) { displayName } }',
      {},
      bearer(account.accessToken),
    );
    expect(updated.body.data).toEqual({ updateProfile: { displayName: 'Grace' } });

    const wrong = await gql(
      url,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
      { c: 'not-the-password-1', n: 'another-good-pass-7' },
      bearer(account.accessToken),
    );
    expect(wrong.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'WRONG_PASSWORD' });

    const changed = await gql(
      url,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
      { c: GOOD_PASSWORD, n: 'another-good-pass-7' },
      bearer(account.accessToken),
    );
    expect(changed.body.data).toEqual({ changePassword: true });
    expect((await gql(url, ME, {}, bearer(account.accessToken))).body.data).toMatchObject({
      me: { displayName: 'Grace' },
    });
    expect(errorCode(await gql(url, ME, {}, bearer(otherToken)))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, LOGIN, { input: { email, password: GOOD_PASSWORD } }))).toBe('UNAUTHENTICATED');
    expect((await gql(url, LOGIN, { input: { email, password: 'another-good-pass-7' } })).body.data).toBeTruthy();
  });

  test('email is visible to its owner and admins only', async () => {
    const owner = await register(url);
    const stranger = await register(url);
    const query = 'query($id: ID!) { user(id: $id) { id email displayName } }';
    const seenByStranger = await gql(url, query, { id: owner.id }, bearer(stranger.accessToken));
    expect(seenByStranger.body.data).toEqual({ user: { id: owner.id, email: null, displayName: 'Test User' } });
    const seenByOwner = await gql(url, query, { id: owner.id }, bearer(owner.accessToken));
    expect(seenByOwner.body.data).toEqual({ user: { id: owner.id, email: owner.email, displayName: 'Test User' } });
    const unknown = await gql(url, query, { id: '01900000-0000-7000-8000-000000000000' }, bearer(owner.accessToken));
    expect(unknown.body.data).toEqual({ user: null });
  });
});
