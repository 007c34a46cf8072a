import { Kafka, logLevel } from 'kafkajs';
import { createKafkaBus } from '../../platform/events/kafka-bus.js';
import type { BusRecord, EventBus } from '../../platform/events/event-bus.js';
import { createLogger } from '../../platform/logger.js';
import { servicesAvailable } from '../support/profiles.js';
import { SERVICES } from '../support/services.js';

const TOPIC = 'content-events';
const logger = createLogger('test', 'silent');

async function until(check: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Batch consumption on Kafka: offsets are committed in the background, after each batch's handler. */
(servicesAvailable() ? describe : describe.skip)('Kafka batch consumers (services profile)', () => {
  const prefix = `t${Math.random().toString(36).slice(2, 10)}.`;
  let bus: EventBus;

  beforeAll(() => {
    bus = createKafkaBus({
      brokers: SERVICES.kafkaBrokers.split(','),
      clientId: 'kafka-batches-test',
      topicPrefix: prefix,
      topics: [TOPIC],
      partitions: 1,
      logger,
    });
  });

  afterAll(async () => {
    await bus.close();
    const admin = new Kafka({
      clientId: 'kafka-batches-test',
      brokers: SERVICES.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [`${prefix}${TOPIC}`] }).catch(() => undefined);
    await admin.deleteGroups([`${prefix}batches`, `${prefix}ahead`]).catch(() => undefined);
    await admin.disconnect();
  });

  const publish = (values: string[]) =>
    bus.publish(
      TOPIC,
      values.map((value) => ({ key: 'author', value })),
    );

  test('a restarted group resumes after the last handled batch; a failed batch comes again', async () => {
    const seen: string[] = [];
    let failOnce = true;
    const first = await bus.consumeBatches!({
      groupId: 'batches',
      topics: [TOPIC],
      onBatch: async (records: BusRecord[]) => {
        // The batch with "3" fails once: none of its records count, and it is delivered again.
        if (failOnce && records.some((record) => record.value === '3')) {
          failOnce = false;
          throw new Error('handler failed');
        }
        seen.push(...records.map((record) => record.value));
      },
    });
    await publish(['1', '2']);
    await until(() => seen.length >= 2, 'the first records');
    await publish(['3', '4', '5']);
    await until(() => seen.length >= 5, 'the failed batch again');
    expect(failOnce).toBe(false);
    expect(seen).toEqual(['1', '2', '3', '4', '5']);
    await first.close();

    // The same group after a restart: only what was published since, in order, nothing twice.
    await publish(['6', '7']);
    const again: string[] = [];
    const second = await bus.consumeBatches!({
      groupId: 'batches',
      topics: [TOPIC],
      onBatch: async (records: BusRecord[]) => {
        again.push(...records.map((record) => record.value));
      },
    });
    await until(() => again.length >= 2, 'the records published after the restart');
    // Give a redelivery of older records the time to show up, were the offsets not committed.
    await publish(['8']);
    await until(() => again.includes('8'), 'a later record');
    await second.close();
    expect(again).toEqual(['6', '7', '8']);
  }, 90_000);

  test('fetching ahead: batches take effect in order, a failed one comes again, a restart resumes after the last', async () => {
    await publish(['a0']);
    // A new group reads the topic from its start: the records of the test above are skipped.
    const ours = (records: BusRecord[]) =>
      records.map((record) => record.value).filter((value) => value.startsWith('a'));
    const seen: string[] = [];
    let failOnce = true;
    let slow = true;
    let busy = false;
    let handedOverMeanwhile = false;
    const handler = async (records: BusRecord[], after?: Promise<void>) => {
      if (busy) handedOverMeanwhile = true;
      await after;
      // The first batch takes its time: the next one is fetched meanwhile but waits for it.
      if (slow) {
        slow = false;
        busy = true;
        await publish(['a1', 'a2']);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        busy = false;
      }
      if (failOnce && records.some((record) => record.value === 'a3')) {
        failOnce = false;
        throw new Error('handler failed');
      }
      seen.push(...ours(records));
    };
    const first = await bus.consumeBatches!({ groupId: 'ahead', topics: [TOPIC], onBatch: handler, fetchAhead: true });
    await until(() => seen.length >= 3, 'the first records');
    expect(seen).toEqual(['a0', 'a1', 'a2']);
    expect(handedOverMeanwhile).toBe(true);
    await publish(['a3', 'a4']);
    await until(() => seen.length >= 5, 'the failed batch again');
    expect(failOnce).toBe(false);
    expect(seen.slice(3)).toEqual(['a3', 'a4']);
    await publish(['a5']);
    await until(() => seen.includes('a5'), 'a later record');
    await first.close();

    await publish(['a6']);
    const again: string[] = [];
    const second = await bus.consumeBatches!({
      groupId: 'ahead',
      topics: [TOPIC],
      fetchAhead: true,
      onBatch: async (records: BusRecord[], after?: Promise<void>) => {
        await after;
        again.push(...ours(records));
      },
    });
    await until(() => again.includes('a6'), 'the record published after the restart');
    await second.close();
    expect(again).toEqual(['a6']);
  }, 90_000);
});
