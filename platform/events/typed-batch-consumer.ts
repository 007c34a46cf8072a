import {
  InvalidEventError,
  parseEvent,
  type EventEnvelope,
  type EventOn,
  type Topic,
} from '../../schema/events/contracts.js';
import type { Logger } from '../logger.js';
import type { BusRecord, Consumer, EventBus } from './event-bus.js';
import type { ConsumerSpec } from './typed-consumer.js';

/** The declared types of a consumer, each with its own payload type (a discriminated union). */
export type EventOf<C extends string> = { [T in C & EventOn<Topic>]: EventEnvelope<T> }[C & EventOn<Topic>];

export interface BatchHandler<C extends string> {
  /** Every valid event of a declared type in one partition's batch, in order. A throw redelivers the batch. */
  (events: EventOf<C>[], records: BusRecord[]): Promise<void>;
}

export interface BatchConsumeOptions {
  maxBatchSize?: number;
  /** Partitions handled at the same time (Kafka; see BatchConsumerOptions). */
  partitionsConcurrently?: number;
  /** Bytes one Kafka fetch brings per partition (see BatchConsumerOptions). */
  maxBytesPerPartition?: number;
  /** Kafka: the next batch fetched and parsed while the current one is handled (see BatchConsumerOptions). */
  fetchAhead?: boolean;
}

/**
 * The batch twin of consumeEvents: parses every record of a batch, skips invalid ones
 * (logged) and types the spec does not declare, and hands the rest over at once. On a bus
 * without batch consumption every record is a batch of one.
 */
export async function consumeEventBatches<P extends Topic, C extends EventOn<P>>(
  bus: EventBus,
  logger: Logger,
  spec: ConsumerSpec<P, C>,
  handler: BatchHandler<C>,
  options: BatchConsumeOptions = {},
): Promise<Consumer> {
  const handled = new Set<string>(spec.types);
  const onBatch = async (records: BusRecord[], after?: Promise<void>) => {
    const events: EventOf<C>[] = [];
    for (const record of records) {
      try {
        const event = parseEvent(record.value);
        if (handled.has(event.type)) events.push(event as EventOf<C>);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        logger.warn({ err: error, topic: record.topic, offset: record.offset }, 'skipping an invalid event');
      }
    }
    // Parsed while the partition's previous batch may still be handled; handled after it.
    await after;
    await handler(events, records);
  };
  if (!bus.consumeBatches) {
    return bus.consume({ groupId: spec.groupId, topics: [spec.topic], onRecord: (record) => onBatch([record]) });
  }
  return bus.consumeBatches({
    groupId: spec.groupId,
    topics: [spec.topic],
    onBatch,
    maxBatchSize: options.maxBatchSize,
    partitionsConcurrently: options.partitionsConcurrently,
    maxBytesPerPartition: options.maxBytesPerPartition,
    fetchAhead: options.fetchAhead,
  });
}
