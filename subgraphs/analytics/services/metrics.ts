import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Analytics' own Prometheus metrics. The subgraph's /metrics serves the platform's
 * per-service registry, which services cannot reach yet; this registry is exported so the
 * lead can merge it there (Registry.merge) or hand the service registry to createServices.
 */
export const analyticsRegistry = new Registry();
analyticsRegistry.setDefaultLabels({ service: 'analytics' });

export interface AnalyticsMetrics {
  ingested: Counter;
  duplicates: Counter;
  expired: Counter;
  batchSeconds: Histogram;
  lagSeconds: Gauge;
  liveReads: Counter;
}

let shared: AnalyticsMetrics | undefined;

/** One set per process (prom-client refuses two metrics of one name on a registry). */
export function analyticsMetrics(): AnalyticsMetrics {
  shared ??= {
    ingested: new Counter({
      name: 'analytics_events_ingested_total',
      help: 'Events stored in the history and counted in the rollups (each event once)',
      registers: [analyticsRegistry],
    }),
    duplicates: new Counter({
      name: 'analytics_duplicates_dropped_total',
      help: 'Events received again (redelivery, replay, duplicate id) and not counted again',
      registers: [analyticsRegistry],
    }),
    expired: new Counter({
      name: 'analytics_events_expired_total',
      help: 'Events older than ANALYTICS_RETENTION_DAYS when received, not stored',
      registers: [analyticsRegistry],
    }),
    batchSeconds: new Histogram({
      name: 'analytics_batch_duration_seconds',
      help: 'Time to store one consumed batch (history, rollups, realtime counters)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [analyticsRegistry],
    }),
    lagSeconds: new Gauge({
      name: 'analytics_consumer_lag_seconds',
      help: 'Age of the newest event of the last batch when it was stored (publish to stored)',
      registers: [analyticsRegistry],
    }),
    liveReads: new Counter({
      name: 'analytics_live_reads_total',
      help: 'Realtime store reads made by liveMetrics tickers (one per tick per interval per replica)',
      registers: [analyticsRegistry],
    }),
  };
  return shared;
}
