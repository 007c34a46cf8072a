import { Revocations } from '../platform/auth/revocation.js';
import { createLogger } from '../platform/logger.js';
import { createMemoryState } from '../platform/state/memory-state.js';
import type { TokenSession } from './authenticate.js';
import { SessionWatch, type SessionEnd } from './session-watch.js';

const logger = createLogger('test', 'silent');
const now = () => Math.floor(Date.now() / 1000);

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function session(overrides: Partial<TokenSession> = {}): TokenSession {
  return {
    userId: 'u1',
    sessionId: 's1',
    role: 'USER',
    issuedAt: now() - 10,
    expiresAt: Date.now() + 60_000,
    ...overrides,
  };
}

describe('SessionWatch', () => {
  const state = createMemoryState();
  const revocations = new Revocations(state.kv, 60, state.pubsub);
  let watch: SessionWatch;
  beforeEach(async () => {
    watch = await SessionWatch.start(state.pubsub, logger);
  });
  afterEach(() => watch.stop());

  test('a logout ends that session only, as UNAUTHENTICATED / 4401', async () => {
    const ended: Record<string, SessionEnd> = {};
    watch.watch(session(), (end) => (ended.mine = end));
    watch.watch(session({ sessionId: 's2' }), (end) => (ended.other = end));
    await revocations.revokeSession('s1', 'logout');
    await until(() => ended.mine !== undefined);
    expect(ended.mine).toMatchObject({ code: 'UNAUTHENTICATED', closeCode: 4401 });
    expect(ended.other).toBeUndefined();
    expect(watch.size).toBe(1);
  });

  test('a sanction ends every token of the user issued before it, as FORBIDDEN / 4403', async () => {
    const ended: SessionEnd[] = [];
    watch.watch(session({ sessionId: 'a' }), (end) => ended.push(end));
    watch.watch(session({ sessionId: 'b' }), (end) => ended.push(end));
    watch.watch(session({ sessionId: 'c', issuedAt: now() + 100 }), (end) => ended.push(end));
    await revocations.cutOffUser('u1', new Date(), 'status-banned');
    await until(() => ended.length === 2);
    expect(ended.map((end) => end.closeCode)).toEqual([4403, 4403]);
    expect(watch.size).toBe(1);
  });

  test('a session revoked because of a sanction is FORBIDDEN too', async () => {
    let ended: SessionEnd | undefined;
    watch.watch(session({ sessionId: 'x' }), (end) => (ended = end));
    await revocations.revokeSession('x', 'status-suspended');
    await until(() => ended !== undefined);
    expect(ended!.code).toBe('FORBIDDEN');
  });

  test('expiry ends the connection at the token exp, once', async () => {
    const ended: SessionEnd[] = [];
    watch.watch(session({ expiresAt: Date.now() + 50 }), (end) => ended.push(end));
    await until(() => ended.length === 1);
    expect(ended[0]).toMatchObject({ code: 'UNAUTHENTICATED', closeCode: 4401 });
    await revocations.revokeSession('s1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ended).toHaveLength(1);
  });

  test('a revocation stored before the watcher registered (its push missed) still ends it', async () => {
    const checked = await SessionWatch.start(state.pubsub, logger, revocations);
    const silent = new Revocations(state.kv, 60); // stores without pushing
    await silent.revokeSession('missed', 'logout');
    let ended: SessionEnd | undefined;
    checked.watch(session({ userId: 'u-missed', sessionId: 'missed' }), (end) => (ended = end));
    await until(() => ended !== undefined);
    expect(ended!.closeCode).toBe(4401);
    await checked.stop();
  });

  test('unwatching stops callbacks', async () => {
    let calls = 0;
    const stop = watch.watch(session({ sessionId: 'gone' }), () => (calls += 1));
    stop();
    await revocations.revokeSession('gone');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(0);
    expect(watch.size).toBe(0);
  });

  test('revocations are still stored for per-request checks, with their kind', async () => {
    await revocations.revokeSession('p', 'password-changed');
    expect(await revocations.check({ userId: 'u9', sessionId: 'p', issuedAt: now() })).toEqual({
      kind: 'session-ended',
      reason: 'password-changed',
    });
    await revocations.cutOffUser('u9', new Date(Date.now() + 5000));
    expect((await revocations.check({ userId: 'u9', sessionId: 'q', issuedAt: now() }))?.kind).toBe('sanctioned');
  });
});
