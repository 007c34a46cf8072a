import { Registry } from 'prom-client';
import { createLogger } from '../../../platform/logger.js';
import { LiveMetrics } from './live-metrics.js';
import { analyticsMetrics } from './metrics.js';
import { createMemoryRealtimeStore } from './realtime/memory-store.js';
import type { RealtimeStore } from './realtime/store.js';

describe('liveMetrics ticker', () => {
  test('1,000 subscribers share one ticker: one store read per tick', async () => {
    const store = createMemoryRealtimeStore();
    await store.record([{ type: 'page.view', userId: '00000000-0000-4000-8000-000000000001', occurredAt: new Date() }]);
    let reads = 0;
    const counted: RealtimeStore = { ...store, snapshot: (now) => ((reads += 1), store.snapshot(now)) };
    const live = new LiveMetrics({
      realtime: counted,
      metrics: analyticsMetrics(new Registry()),
      logger: createLogger('test', 'silent'),
    });
    const queues = Array.from({ length: 1000 }, () => live.follow(1));
    expect(live.running).toBe(1);
    const first = await Promise.all(queues.map((queue) => queue.next()));
    expect(first.every((result) => result.value?.todayEvents === 1)).toBe(true);
    // Everyone got the first tick; the store was read once for it (a second tick may have begun meanwhile).
    expect(reads).toBeLessThanOrEqual(2);
    for (const queue of queues) await queue.return?.();
    expect(live.running).toBe(0);
    live.stop();
  });

  test('a second interval gets a ticker of its own, stopped with its last subscriber', async () => {
    const live = new LiveMetrics({
      realtime: createMemoryRealtimeStore(),
      metrics: analyticsMetrics(new Registry()),
      logger: createLogger('test', 'silent'),
    });
    const one = live.follow(1);
    const five = live.follow(5);
    expect(live.running).toBe(2);
    await five.return?.();
    expect(live.running).toBe(1);
    await one.return?.();
    expect(live.running).toBe(0);
  });
});
