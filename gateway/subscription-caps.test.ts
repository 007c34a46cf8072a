import { createLogger } from '../platform/logger.js';
import { createMemoryState } from '../platform/state/memory-state.js';
import { SubscriptionCaps, type CapDecision } from './subscription-caps.js';

const logger = createLogger('test', 'silent');
const released = (decision: CapDecision) => {
  if ('refusal' in decision) throw new Error(decision.refusal.message);
  return decision.release;
};

describe('SubscriptionCaps', () => {
  const state = createMemoryState();

  test('per connection: the cap is refused with RATE_LIMITED / SUBSCRIPTION_LIMIT, freed on release', async () => {
    const caps = new SubscriptionCaps(state.kv, { perConnection: 2, perUser: 10, logger });
    const connection = caps.connection();
    const first = released(await connection.acquire('a'));
    released(await connection.acquire('a'));
    const third = await connection.acquire('a');
    expect(third).toEqual({
      refusal: {
        message: expect.stringMatching(/at most 2/),
        extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIPTION_LIMIT', scope: 'connection', limit: 2 },
      },
    });
    first();
    first(); // releasing twice counts once
    released(await connection.acquire('a'));
    expect('refusal' in (await connection.acquire('a'))).toBe(true);
    caps.stop();
  });

  test('per user across connections and replicas (shared counter)', async () => {
    // Two instances over the same state stand for two gateway replicas.
    const replicaA = new SubscriptionCaps(state.kv, { perConnection: 10, perUser: 3, logger });
    const replicaB = new SubscriptionCaps(state.kv, { perConnection: 10, perUser: 3, logger });
    const onA = replicaA.connection();
    const onB = replicaB.connection();
    released(await onA.acquire('b'));
    const second = released(await onB.acquire('b'));
    released(await onB.acquire('b'));
    const refused = await onA.acquire('b');
    expect('refusal' in refused && refused.refusal.extensions.scope).toBe('user');
    // Another user is unaffected; a release on one replica frees a place on the other.
    released(await onA.acquire('c'));
    second();
    await new Promise((resolve) => setImmediate(resolve));
    released(await onA.acquire('b'));
    replicaA.stop();
    replicaB.stop();
  });
});
