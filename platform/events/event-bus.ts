/** A record as stored on a topic. */
export interface BusRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
}

/** Records for one topic, as published. */
export interface TopicRecords {
  topic: string;
  records: { key: string; value: string }[];
}

export interface ConsumerOptions {
  /** Consumers of one group share the work; every group sees every record. */
  groupId: string;
  topics: string[];
  /** Awaited before the next record of the same partition; a throw means "retry this record". */
  onRecord: (record: BusRecord) => Promise<void>;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  /**
   * Records of one partition, in order. Awaited before the next batch of that partition;
   * a throw means "redeliver the whole batch" (at least once). With `fetchAhead`, `after` is
   * given: the previous batch of the partition, maybe still being handled. The handler may
   * prepare this one meanwhile but must let it take effect only once `after` resolves, and
   * fail when it rejects.
   */
  onBatch: (records: BusRecord[], after?: Promise<void>) => Promise<void>;
  /** Most records handed over at once (the in-process bus; Kafka sizes batches by bytes). */
  maxBatchSize?: number;
  /**
   * Kafka: how many partitions' batches may be handled at the same time (1 by default). Each
   * partition's batches still come one after the other, in order; the in-process bus ignores it.
   */
  partitionsConcurrently?: number;
  /** Kafka: most bytes one fetch brings per partition (kafkajs' default 1 MB), so the size of a batch. */
  maxBytesPerPartition?: number;
  /**
   * Kafka: fetch a partition's next batch while its current one is handled (see `onBatch`'s
   * `after`, platform/events/kafka-batch-pipeline.ts). A consumer stopped or crashed in between
   * gets its stored-but-uncommitted batch again: consumers must be idempotent (they are).
   */
  fetchAhead?: boolean;
}

export interface Consumer {
  close(): Promise<void>;
}

/**
 * Kafka's semantics (topics, keyed partitions, consumer groups, at-least-once) behind
 * one interface: kafkajs in production, an in-process log in the embedded default.
 */
export interface EventBus {
  readonly kind: 'memory' | 'kafka';
  publish(topic: string, records: { key: string; value: string }[]): Promise<void>;
  /**
   * Several topics' records at once, each topic's in order: on Kafka one produce request
   * instead of one round trip per topic (the outbox relay's batches span topics).
   */
  publishAll(batches: TopicRecords[]): Promise<void>;
  consume(options: ConsumerOptions): Promise<Consumer>;
  /** Batch consumption (optional: typed-batch-consumer.ts falls back to one-record batches). */
  consumeBatches?(options: BatchConsumerOptions): Promise<Consumer>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
