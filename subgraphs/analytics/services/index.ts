import type { ServiceDeps, SubgraphContext } from '../../../platform/server/subgraph-server.js';
import { loadAnalyticsSettings, type AnalyticsSettings } from '../settings.js';
import { funnelPartsOn } from './funnel-runner.js';
import { History } from './history.js';
import { IngestService } from './ingest-service.js';
import { LiveMetrics } from './live-metrics.js';
import { analyticsMetrics } from './metrics.js';
import { QueryService } from './query-service.js';
import { createMemoryRealtimeStore } from './realtime/memory-store.js';
import { createRedisRealtimeStore } from './realtime/redis-store.js';
import type { RealtimeStore } from './realtime/store.js';
import { TrackingService } from './tracking-service.js';
import { ConsentGate } from '../privacy/consent-gate.js';

export interface AnalyticsServices {
  settings: AnalyticsSettings;
  history: History;
  realtime: RealtimeStore;
  ingest: IngestService;
  queries: QueryService;
  tracking: TrackingService;
  live: LiveMetrics;
}

export type AnalyticsContext = SubgraphContext<AnalyticsServices>;

export function createAnalyticsServices({
  config,
  state,
  outbox,
  orm,
  logger,
  metrics: serviceMetrics,
}: ServiceDeps): AnalyticsServices {
  const settings = loadAnalyticsSettings();
  const metrics = analyticsMetrics(serviceMetrics.registry);
  const history = new History(orm, settings.retentionDays);
  const consents = new ConsentGate({ orm });
  // Its own client: the realtime counters need pipelines, which SharedState does not offer.
  const realtime = config.REDIS_URL
    ? createRedisRealtimeStore(config.REDIS_URL, config.REDIS_KEY_PREFIX)
    : createMemoryRealtimeStore();
  return {
    settings,
    history,
    realtime,
    ingest: new IngestService({ orm, history, realtime, metrics, logger, batchSize: settings.batchSize, consents }),
    queries: new QueryService({ funnelParts: funnelPartsOn(orm, settings.funnelParts) }),
    tracking: new TrackingService({ state, outbox, perSecond: settings.trackPerSecond, consents }),
    live: new LiveMetrics({ realtime, metrics, logger }),
  };
}
