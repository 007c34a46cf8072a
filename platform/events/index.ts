import { ALL_TOPICS } from '../../schema/events/contracts.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './event-bus.js';
import { createKafkaBus } from './kafka-bus.js';
import { createMemoryBus } from './memory-bus.js';

export type * from './event-bus.js';

/** Kafka when KAFKA_BROKERS is set, otherwise the in-process bus. */
export function createEventBus(config: Config, logger: Logger): EventBus {
  if (!config.KAFKA_BROKERS) return createMemoryBus();
  return createKafkaBus({
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: config.KAFKA_CLIENT_ID,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    topics: ALL_TOPICS,
    logger,
  });
}
