import { createTokenIssuer, InvalidTokenError } from './jwt.js';

const issuer = createTokenIssuer({ secret: 's'.repeat(40), issuer: 'test', ttlSeconds: 60 });
const identity = { userId: '01900000-0000-7000-8000-000000000001', role: 'USER' as const, sessionId: 'sess-1' };

describe('access tokens', () => {
  test('round trip carries user, role and session', async () => {
    const { token, expiresAt } = await issuer.sign(identity);
    expect(await issuer.verify(token)).toMatchObject(identity);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(55_000);
  });

  test('another secret, another issuer and an expired token are refused', async () => {
    const { token } = await issuer.sign(identity);
    await expect(
      createTokenIssuer({ secret: 'x'.repeat(40), issuer: 'test', ttlSeconds: 60 }).verify(token),
    ).rejects.toThrow(InvalidTokenError);
    await expect(
      createTokenIssuer({ secret: 's'.repeat(40), issuer: 'other', ttlSeconds: 60 }).verify(token),
    ).rejects.toThrow(InvalidTokenError);
    const shortLived = createTokenIssuer({ secret: 's'.repeat(40), issuer: 'test', ttlSeconds: -5 });
    const expired = await shortLived.sign(identity);
    await expect(issuer.verify(expired.token)).rejects.toMatchObject({ reason: 'expired' });
  });

  test('an unknown role in a validly signed token is refused', async () => {
    const { token } = await issuer.sign({ ...identity, role: 'ROOT' as never });
    await expect(issuer.verify(token)).rejects.toMatchObject({ reason: 'invalid' });
  });

  test('a restricted session carries its restriction; its iat is never before the last cut-off', async () => {
    const restricted = { ...identity, restricted: { status: 'SUSPENDED' as const, until: 1_900_000_000_000 } };
    const cutOff = new Date(Date.now() + 1500);
    const { token } = await issuer.sign(restricted, cutOff);
    const verified = await issuer.verify(token);
    expect(verified).toMatchObject(restricted);
    expect(verified.issuedAt).toBeGreaterThanOrEqual(Math.ceil(cutOff.getTime() / 1000));
    expect((await issuer.verify((await issuer.sign(identity)).token)).restricted).toBeUndefined();
  });
});
