import { createTokenIssuer } from '../platform/auth/jwt.js';
import { Revocations } from '../platform/auth/revocation.js';
import { createMemoryState } from '../platform/state/memory-state.js';
import { createOperationGuard } from './operation-guard.js';

describe('operation guard', () => {
  const state = createMemoryState();
  const tokens = createTokenIssuer({ secret: 's'.repeat(40), issuer: 'test', ttlSeconds: 60 });
  const revocations = new Revocations(state.kv, 60, state.pubsub);
  const guard = createOperationGuard({ tokens, revocations, apiLimiter: state.rateLimiter('api-test', 3) });

  test('checks the token on every operation: valid, then revoked, then sanctioned', async () => {
    const { token } = await tokens.sign({ userId: 'u1', role: 'USER', sessionId: 's1' });
    const caller = { authorization: `Bearer ${token}`, address: '198.51.100.1' };
    const ok = await guard.check(caller);
    expect('identity' in ok && ok.identity).toEqual({ userId: 'u1', role: 'USER', sessionId: 's1' });
    expect('session' in ok && ok.session!.expiresAt).toBeGreaterThan(Date.now());
    await revocations.revokeSession('s1', 'logout');
    expect(await guard.check(caller)).toMatchObject({ refusal: { extensions: { code: 'UNAUTHENTICATED' } } });

    const other = await tokens.sign({ userId: 'u2', role: 'USER', sessionId: 's2' });
    await revocations.cutOffUser('u2', new Date(Date.now() + 2000));
    expect(await guard.check({ authorization: `Bearer ${other.token}`, address: '198.51.100.2' })).toMatchObject({
      refusal: { extensions: { code: 'FORBIDDEN' } },
    });
  });

  test('rate limits per client address, anonymous callers too', async () => {
    const caller = { authorization: undefined, address: '198.51.100.9' };
    for (let i = 0; i < 3; i += 1) expect(await guard.check(caller)).toEqual({ identity: null });
    expect(await guard.check(caller)).toMatchObject({ refusal: { extensions: { code: 'RATE_LIMITED' } } });
    expect(await guard.check({ ...caller, address: '198.51.100.10' })).toEqual({ identity: null });
  });

  test('a malformed or forged token is refused, never anonymous', async () => {
    expect(await guard.check({ authorization: 'Token x', address: 'a' })).toMatchObject({
      refusal: { extensions: { code: 'UNAUTHENTICATED' } },
    });
    expect(await guard.check({ authorization: 'Bearer a.b.c', address: 'b' })).toMatchObject({
      refusal: { extensions: { code: 'UNAUTHENTICATED' } },
    });
  });
});
