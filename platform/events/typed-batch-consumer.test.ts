import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { Topic } from '../../schema/events/contracts.js';
import { createLogger } from '../logger.js';
import { createMemoryBus } from './memory-bus.js';
import { consumeEventBatches } from './typed-batch-consumer.js';
import { consumerOf } from './typed-consumer.js';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};
const logger = createLogger('test', 'silent');
const spec = consumerOf({ groupId: 'batches', topic: Topic.analytics, types: ['user.login'] });
const login = (userId: string) =>
  JSON.stringify({
    id: uuidv7(),
    type: 'user.login',
    occurredAt: new Date().toISOString(),
    actorId: userId,
    userId,
    payload: { sessionId: randomUUID() },
  });

describe('batch consumption', () => {
  test('batches of one partition, in order, at most maxBatchSize; other types and invalid records left out', async () => {
    const bus = createMemoryBus();
    const user = randomUUID();
    const values = Array.from({ length: 25 }, () => login(user));
    await bus.publish(Topic.analytics, [
      ...values.map((value) => ({ key: user, value })),
      { key: user, value: 'not json' },
      {
        key: user,
        value: JSON.stringify({ ...JSON.parse(login(user)), type: 'user.logout' }),
      },
    ]);
    const batches: string[][] = [];
    const consumer = await consumeEventBatches(
      bus,
      logger,
      spec,
      async (events) => void batches.push(events.map((event) => event.id)),
      { maxBatchSize: 10 },
    );
    await until(() => batches.flat().length === 25);
    expect(batches.every((batch) => batch.length <= 10)).toBe(true);
    expect(batches.flat()).toEqual(values.map((value) => JSON.parse(value).id));
    await consumer.close();
    await bus.close();
  });

  test('a handler that throws gets the whole batch again', async () => {
    const bus = createMemoryBus();
    const user = randomUUID();
    await bus.publish(
      Topic.analytics,
      Array.from({ length: 5 }, () => ({ key: user, value: login(user) })),
    );
    const seen: number[] = [];
    let failures = 1;
    const consumer = await consumeEventBatches(bus, logger, spec, async (events) => {
      seen.push(events.length);
      if (failures-- > 0) throw new Error('database down');
    });
    await until(() => seen.length === 2);
    expect(seen).toEqual([5, 5]);
    await consumer.close();
    await bus.close();
  });
});
