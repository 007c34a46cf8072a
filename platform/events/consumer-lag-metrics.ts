import { Gauge } from 'prom-client';

/**
 * Messages a Kafka consumer group still has to read on a partition (high watermark minus the
 * next offset), as of its latest batch (ConsumerLagGrowing alert). Process-wide, registered
 * in every service's registry (platform/metrics.ts); the in-process bus has no lag.
 */
export const consumerLag = new Gauge({
  name: 'event_consumer_lag_messages',
  help: 'Kafka consumer lag in messages, by consumer group, topic and partition (latest batch)',
  labelNames: ['group', 'topic', 'partition'],
  registers: [],
});
