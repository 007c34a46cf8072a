import { createMemoryBus } from './memory-bus.js';
import type { BusRecord } from './event-bus.js';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('in-process bus keeps Kafka semantics', () => {
  test('every group sees every record; order is kept per key', async () => {
    const bus = createMemoryBus();
    const seen: Record<string, BusRecord[]> = { a: [], b: [] };
    await bus.consume({ groupId: 'a', topics: ['t'], onRecord: async (record) => void seen.a!.push(record) });
    await bus.consume({ groupId: 'b', topics: ['t'], onRecord: async (record) => void seen.b!.push(record) });
    const records = Array.from({ length: 30 }, (_, i) => ({ key: `user-${i % 3}`, value: String(i) }));
    await bus.publish('t', records);
    await until(() => seen.a!.length === 30 && seen.b!.length === 30);
    for (const group of ['a', 'b']) {
      expect(seen[group]).toHaveLength(30);
      for (const key of ['user-0', 'user-1', 'user-2']) {
        const values = seen[group]!.filter((record) => record.key === key).map((record) => Number(record.value));
        expect(values).toEqual([...values].sort((x, y) => x - y));
      }
    }
    await bus.close();
  });

  test('members of one group split the records; a new group starts from the earliest', async () => {
    const bus = createMemoryBus();
    await bus.publish(
      't',
      Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    );
    const first: string[] = [];
    const second: string[] = [];
    await bus.consume({ groupId: 'g', topics: ['t'], onRecord: async (record) => void first.push(record.value) });
    await bus.consume({ groupId: 'g', topics: ['t'], onRecord: async (record) => void second.push(record.value) });
    await until(() => first.length + second.length === 12);
    expect([...first, ...second].sort()).toEqual(Array.from({ length: 12 }, (_, i) => String(i)).sort());
    expect(new Set(first).size + new Set(second).size).toBe(12); // nothing twice
    await bus.close();
  });

  test('a failing handler gets the same record again (at least once)', async () => {
    const bus = createMemoryBus();
    let calls = 0;
    const delivered: string[] = [];
    await bus.consume({
      groupId: 'g',
      topics: ['t'],
      onRecord: async (record) => {
        calls += 1;
        if (calls === 1) throw new Error('transient');
        delivered.push(record.value);
      },
    });
    await bus.publish('t', [{ key: 'k', value: 'only' }]);
    await until(() => delivered.length === 1);
    expect(delivered).toEqual(['only']);
    expect(calls).toBe(2);
    await bus.close();
  });
});
