import { Kafka, logLevel, type Consumer as KafkaConsumer, type Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import type { BatchConsumerOptions, BusRecord, Consumer, ConsumerOptions, EventBus } from './event-bus.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic name (lets test runs share one broker without sharing data). */
  topicPrefix: string;
  /** Topics created up front with `partitions` partitions each. */
  topics: string[];
  partitions?: number;
  logger: Logger;
}

/** EventBus on Apache Kafka through kafkajs: idempotent producer, acks from all replicas. */
export function createKafkaBus(options: KafkaBusOptions): EventBus {
  const { logger, topicPrefix } = options;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log;
      logger.warn({ kafka: entry.namespace, ...rest }, message);
    },
  });
  const physical = (topic: string) => `${topicPrefix}${topic}`;
  const logical = (topic: string) => topic.slice(topicPrefix.length);

  // Connected lazily and again after a failure: a service starts and keeps taking
  // writes while the broker is down; the outbox holds its events until it is back.
  let topicsReady = false;
  const ensureTopics = async () => {
    if (topicsReady) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: options.topics.map((topic) => ({ topic: physical(topic), numPartitions: options.partitions ?? 3 })),
      });
      topicsReady = true;
    } finally {
      await admin.disconnect();
    }
  };
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  const connectedProducer = () => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      await ensureTopics();
      const created = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await created.connect();
      producer = created;
      return created;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };
  const consumers = new Set<KafkaConsumer>();

  const toRecord = (
    topic: string,
    partition: number,
    message: { offset: string; key: Buffer | null; value: Buffer | null },
  ): BusRecord => ({
    topic: logical(topic),
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
  });

  type RunConfig = Parameters<KafkaConsumer['run']>[0];
  /** How long close() waits for a consumer that was still joining its group. */
  const CLOSE_WAIT_MS = 10_000;
  const join = async (groupId: string, topics: string[], run: RunConfig): Promise<Consumer> => {
    let closed = false;
    let attached: KafkaConsumer | undefined;
    /** The consumer still joining, so close() can stop the join instead of leaving it running. */
    let joining: KafkaConsumer | undefined;
    // Joins in the background and keeps trying while the broker is down, so a service
    // starts (and serves) without Kafka; its consumers catch up once the broker is back.
    const attach = async (): Promise<void> => {
      for (let attempt = 0; !closed; attempt++) {
        const consumer = kafka.consumer({ groupId: `${topicPrefix}${groupId}`, retry: { retries: 10 } });
        joining = consumer;
        try {
          await ensureTopics();
          await consumer.connect();
          await consumer.subscribe({ topics: topics.map(physical), fromBeginning: true });
          // Offsets are committed only after the handler resolves, so a failed record is redelivered.
          await consumer.run(run);
          joining = undefined;
          if (closed) {
            await consumer.disconnect();
            return;
          }
          attached = consumer;
          consumers.add(consumer);
          consumer.on(consumer.events.CRASH, (event) => {
            // kafkajs restarts after retriable errors itself; after any other crash, join again.
            if (event.payload.restart || closed) return;
            consumers.delete(consumer);
            attached = undefined;
            void consumer.disconnect().finally(() => void attach());
          });
          return;
        } catch (error) {
          joining = undefined;
          await consumer.disconnect().catch(() => undefined);
          if (closed) return;
          const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
          logger.warn({ err: error, groupId, retryInMs: delay }, 'kafka consumer could not join; retrying');
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
        }
      }
    };
    const attaching = attach();
    return {
      async close() {
        closed = true;
        if (attached) {
          consumers.delete(attached);
          await attached.disconnect();
        }
        // A join still under way is stopped and awaited (bounded), so nothing of this consumer
        // runs after close() resolves.
        await joining?.disconnect().catch(() => undefined);
        await Promise.race([attaching, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
      },
    };
  };

  return {
    kind: 'kafka',
    async publish(topic, records) {
      const ready = await connectedProducer();
      try {
        await ready.send({ topic: physical(topic), acks: -1, messages: records });
      } catch (error) {
        // Start over with a fresh connection next time.
        producer = undefined;
        await ready.disconnect().catch(() => undefined);
        throw error;
      }
    },
    consume(options: ConsumerOptions): Promise<Consumer> {
      return join(options.groupId, options.topics, {
        eachMessage: async ({ topic, partition, message }) => {
          await options.onRecord(toRecord(topic, partition, message));
        },
      });
    },
    consumeBatches(options: BatchConsumerOptions): Promise<Consumer> {
      return join(options.groupId, options.topics, {
        // The whole batch or nothing: offsets are resolved only after onBatch resolves, so a
        // throw makes kafkajs fetch the batch again.
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          await options.onBatch(batch.messages.map((message) => toRecord(batch.topic, batch.partition, message)));
          resolveOffset(batch.lastOffset());
          await heartbeat();
        },
      });
    },
    async ping() {
      const probe = kafka.admin();
      try {
        await probe.connect();
        await probe.describeCluster();
        return true;
      } catch {
        return false;
      } finally {
        await probe.disconnect().catch(() => undefined);
      }
    },
    async close() {
      await Promise.allSettled([...consumers].map((consumer) => consumer.disconnect()));
      await producer?.disconnect();
    },
  };
}
