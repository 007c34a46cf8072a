import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Analytics' own Prometheus metrics, on the subgraph's registry (served at /metrics). */

export interface AnalyticsMetrics {
  ingested: Counter;
  duplicates: Counter;
  expired: Counter;
  batchSeconds: Histogram;
  lagSeconds: Gauge;
  liveReads: Counter;
}

export function analyticsMetrics(registry: Registry): AnalyticsMetrics {
  return {
    ingested: new Counter({
      name: 'analytics_events_ingested_total',
      help: 'Events stored in the history and counted in the rollups (each event once)',
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'analytics_duplicates_dropped_total',
      help: 'Events received again (redelivery, replay, duplicate id) and not counted again',
      registers: [registry],
    }),
    expired: new Counter({
      name: 'analytics_events_expired_total',
      help: 'Events older than ANALYTICS_RETENTION_DAYS when received, not stored',
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'analytics_batch_duration_seconds',
      help: 'Time to store one consumed batch (history, rollups, realtime counters)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lagSeconds: new Gauge({
      name: 'analytics_consumer_lag_seconds',
      help: 'Age of the newest event of the last batch when it was stored (publish to stored)',
      registers: [registry],
    }),
    liveReads: new Counter({
      name: 'analytics_live_reads_total',
      help: 'Realtime store reads made by liveMetrics tickers (one per tick per interval per replica)',
      registers: [registry],
    }),
  };
}
