import { Kafka, logLevel, type Consumer as KafkaConsumer, type Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import type {
  BatchConsumerOptions,
  BusRecord,
  Consumer,
  ConsumerOptions,
  EventBus,
  TopicRecords,
} from './event-bus.js';
import { consumerLag } from './consumer-lag-metrics.js';
import { applyKafkajsIdleTimerFix } from './kafkajs-idle-timer-fix.js';
import { BatchPipeline } from './kafka-batch-pipeline.js';
import { OffsetCommitter } from './kafka-offset-committer.js';

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
  applyKafkajsIdleTimerFix();
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

  /** One produce request for every topic (per broker), acknowledged by all replicas. */
  const sendAll = async (batches: TopicRecords[]) => {
    const ready = await connectedProducer();
    try {
      await ready.sendBatch({
        acks: -1,
        topicMessages: batches.map(({ topic, records }) => ({ topic: physical(topic), messages: records })),
      });
    } catch (error) {
      // Start over with a fresh connection next time.
      producer = undefined;
      await ready.disconnect().catch(() => undefined);
      throw error;
    }
  };

  type RunConfig = Parameters<KafkaConsumer['run']>[0];
  /** Longest idle fetch: what a consumer's disconnect waits at most for the broker to answer. */
  const IDLE_FETCH_WAIT_MS = 500;
  /** How long close() waits for a join in flight (a JoinGroup may wait out a rebalance). */
  const CLOSE_WAIT_MS = 60_000;
  /** Every joined consumer's close(), so closing the bus stops the join loops too. */
  const closers = new Set<() => Promise<void>>();

  type FetchSize = { maxBytesPerPartition?: number; maxBytes?: number };
  const DEFAULT_FETCH: FetchSize = {};
  /**
   * `runFor` builds each consumer's run config; batch consumers commit through its committer,
   * and those fetching ahead hand their batches over through its pipeline.
   */
  const join = async (
    groupId: string,
    topics: string[],
    fetch: FetchSize,
    runFor: (committer: OffsetCommitter, pipeline: BatchPipeline) => RunConfig,
  ): Promise<Consumer> => {
    let closed = false;
    let signalClosed: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (signalClosed = resolve));
    // One loop owns the consumer's whole life: it joins in the background and keeps trying
    // while the broker is down (a service starts and serves without Kafka and catches up
    // later), and it joins again with a fresh consumer after a crash. kafkajs' own restart is
    // off because its stop() does not wait for a join it restarted, which would keep running
    // after close(); here every join is awaited by close().
    const attach = async (): Promise<void> => {
      for (let attempt = 0; !closed; attempt++) {
        const consumer = kafka.consumer({
          groupId: `${topicPrefix}${groupId}`,
          // A fetch returns as soon as records arrive; this only bounds an idle long-poll, which
          // disconnect() waits out (kafkajs' 5 s default made every service's stop take 5 s a consumer).
          maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
          retry: { retries: 10, restartOnFailure: async () => false },
          ...fetch,
        });
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
          consumerLag.set(
            { group: groupId, topic: payload.topic, partition: String(payload.partition) },
            Number(payload.offsetLag),
          ),
        );
        const crashed = new Promise<unknown>((resolve) =>
          consumer.on(consumer.events.CRASH, (event) => resolve(event.payload.error)),
        );
        const committer = new OffsetCommitter((error) =>
          logger.warn({ err: error, groupId }, 'kafka offset commit failed; those records will be delivered again'),
        );
        const pipeline = new BatchPipeline();
        try {
          await ensureTopics();
          await consumer.connect();
          await consumer.subscribe({ topics: topics.map(physical), fromBeginning: true });
          // Offsets are committed only after the handler resolves, so a failed record is redelivered.
          await consumer.run(runFor(committer, pipeline));
        } catch (error) {
          await consumer.disconnect().catch(() => undefined);
          if (closed) return;
          const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
          logger.warn({ err: error, groupId, retryInMs: delay }, 'kafka consumer could not join; retrying');
          await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, delay).unref())]);
          continue;
        }
        // A batch handled after its fetch returned (fetchAhead) and failed ends the session too.
        const error = await Promise.race([crashed, closing, pipeline.failed.catch((failure: unknown) => failure)]);
        // The batches still being handled are stored and their commits go out before the
        // consumer leaves its group.
        pipeline.stopped = true;
        await pipeline.settled();
        await committer.settled();
        await consumer.disconnect().catch(() => undefined);
        if (closed) return;
        logger.warn({ err: error, groupId }, 'kafka consumer crashed; joining again');
        attempt = 0;
      }
    };
    const attaching = attach();
    const close = async () => {
      closed = true;
      closers.delete(close);
      signalClosed();
      // A join in flight is not interrupted (kafkajs' stop() would lose track of its runner,
      // which then fetches on): the loop disconnects the consumer as soon as the join ends.
      const waited = await Promise.race([
        attaching.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CLOSE_WAIT_MS).unref()),
      ]);
      if (!waited) logger.warn({ groupId }, 'kafka consumer still joining after close; left to finish');
    };
    closers.add(close);
    return { close };
  };

  return {
    kind: 'kafka',
    publish(topic, records) {
      return sendAll([{ topic, records }]);
    },
    publishAll(batches) {
      return sendAll(batches);
    },
    consume(options: ConsumerOptions): Promise<Consumer> {
      return join(options.groupId, options.topics, DEFAULT_FETCH, () => ({
        eachMessage: async ({ topic, partition, message }) => {
          await options.onRecord(toRecord(topic, partition, message));
        },
      }));
    },
    consumeBatches(options: BatchConsumerOptions): Promise<Consumer> {
      const perPartition = options.maxBytesPerPartition;
      // One fetch request is capped as a whole too (10 MB by default): room for every partition in flight.
      const fetch = perPartition
        ? {
            maxBytesPerPartition: perPartition,
            maxBytes: Math.max(10 << 20, perPartition * (options.partitionsConcurrently ?? 1)),
          }
        : DEFAULT_FETCH;
      return join(options.groupId, options.topics, fetch, (committer, pipeline) => ({
        // The whole batch or nothing: offsets are resolved only after onBatch resolves, so a
        // throw makes kafkajs fetch the batch again.
        eachBatchAutoResolve: false,
        // Committed in the background (kafka-offset-committer.ts), not before the next fetch.
        autoCommit: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          isRunning,
          isStale,
          pause,
          commitOffsetsIfNecessary,
          uncommittedOffsets,
        }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          const records = batch.messages.map((message) => toRecord(batch.topic, batch.partition, message));
          if (options.fetchAhead) {
            // Leaving: the batch is not handed over, and its partition not fetched again.
            if (pipeline.stopped) return void pause();
            // Resolves once the previous batch is stored; this one is handled meanwhile and
            // its offset committed once it is stored (kafka-batch-pipeline.ts).
            await pipeline.push(
              batch.topic,
              batch.partition,
              batch.lastOffset(),
              (after) => options.onBatch(records, after),
              () =>
                committer.request(async () => {
                  const stored = pipeline.takeStored();
                  if (stored.length === 0) return;
                  await commitOffsetsIfNecessary({
                    topics: [...new Set(stored.map((s) => s.topic))].map((topic) => ({
                      topic,
                      partitions: stored
                        .filter((s) => s.topic === topic)
                        .map(({ partition, offset }) => ({ partition, offset })),
                    })),
                  });
                }),
            );
            resolveOffset(batch.lastOffset());
            await heartbeat();
            return;
          }
          await options.onBatch(records);
          resolveOffset(batch.lastOffset());
          committer.request(() => commitOffsetsIfNecessary(uncommittedOffsets()));
          // Stopping: the consumer leaves its group right after this batch, so commit now.
          if (!isRunning()) await committer.settled();
          await heartbeat();
        },
      }));
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
      await Promise.allSettled([...closers].map((close) => close()));
      await producer?.disconnect();
    },
  };
}
