import { IdentitySigner, IdentityVerifier, signIdentity, verifyIdentity } from './signed-identity.js';
import type { Identity } from './identity.js';

const SECRET = 'a-gateway-secret-of-at-least-32-characters';
const alice: Identity = { userId: 'u-1', role: 'USER', sessionId: 's-1' };

describe('signed identity', () => {
  test('a token signed with the secret verifies to the same identity until it expires', () => {
    const token = signIdentity(alice, SECRET, 60, 1_000);
    expect(verifyIdentity(token, SECRET, 1_000)).toEqual({ identity: alice });
    expect(verifyIdentity(token, SECRET, 1_059)).toEqual({ identity: alice });
    expect(verifyIdentity(token, SECRET, 1_060)).toEqual({ error: 'expired' });
  });

  test('another secret, a changed payload or a changed signature is refused', () => {
    const token = signIdentity(alice, SECRET, 60, 1_000);
    expect(verifyIdentity(token, `${SECRET}x`, 1_000)).toEqual({ error: 'bad-signature' });
    const [payload, signature] = token.split('.') as [string, string];
    const admin = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), r: 'ADMIN' }),
    ).toString('base64url');
    expect(verifyIdentity(`${admin}.${signature}`, SECRET, 1_000)).toEqual({ error: 'bad-signature' });
    expect(verifyIdentity(`${payload}.${signature.slice(1)}A`, SECRET, 1_000)).toEqual({ error: 'bad-signature' });
  });

  test('garbage is malformed, never an exception', () => {
    for (const token of ['', '.', 'abc', 'a.b.c', '..', 'x.']) {
      expect(verifyIdentity(token, SECRET, 1_000)).toHaveProperty('error');
    }
  });

  test('the signer reuses a token for half its lifetime; the verifier agrees with verifyIdentity', () => {
    const signer = new IdentitySigner(SECRET, 60);
    const first = signer.sign(alice);
    expect(signer.sign({ ...alice })).toBe(first);
    expect(signer.sign({ ...alice, role: 'ADMIN' })).not.toBe(first);
    expect(new IdentityVerifier(SECRET).verify(first)).toEqual({ identity: alice });
  });

  test('a restricted identity keeps its restriction, and the signer does not mix it up with a full one', () => {
    const restricted: Identity = { ...alice, restricted: { status: 'BANNED', until: null } };
    expect(verifyIdentity(signIdentity(restricted, SECRET, 60), SECRET)).toEqual({ identity: restricted });
    const signer = new IdentitySigner(SECRET, 60);
    const verifier = new IdentityVerifier(SECRET);
    expect(verifier.verify(signer.sign(alice))).toEqual({ identity: alice });
    expect(verifier.verify(signer.sign(restricted))).toEqual({ identity: restricted });
  });
});
