import 'reflect-metadata';
import { buildFederatedSchema } from '../../platform/federation.js';
import type { SubgraphModule } from '../../platform/server/subgraph-server.js';
import { analyticsEntities } from './entities/index.js';
import { analyticsMigrations } from './migrations/index.js';
import { MetricsResolver, UserMetricsResolver } from './resolvers/metrics-resolver.js';
import { analyticsReferenceResolvers } from './resolvers/references.js';
import { LiveMetricsResolver, TrackingResolver } from './resolvers/tracking-resolver.js';
import { createAnalyticsServices, type AnalyticsServices } from './services/index.js';
import { loadAnalyticsSettings } from './settings.js';
import { startAnalyticsErasure } from './privacy/erasure-handler.js';
import { startAnalyticsExport } from './privacy/export-handler.js';

export function buildAnalyticsSchema() {
  return buildFederatedSchema({
    resolvers: [MetricsResolver, UserMetricsResolver, TrackingResolver, LiveMetricsResolver],
    referenceResolvers: analyticsReferenceResolvers,
  });
}

/** How often partitions older than ANALYTICS_RETENTION_DAYS are looked for. */
const RETENTION_INTERVAL_MS = 3_600_000;

export const analyticsSubgraph: SubgraphModule<AnalyticsServices> = {
  name: 'analytics',
  entities: analyticsEntities,
  migrations: analyticsMigrations,
  buildSchema: buildAnalyticsSchema,
  checkSettings: (env) => void loadAnalyticsSettings(env),
  createServices: createAnalyticsServices,
  async startConsumers({ bus, logger, orm, outbox }, services) {
    const retention = () =>
      services.history
        .applyRetention()
        .then((days) => days.length && logger.info({ days }, 'dropped analytics history past retention'))
        .catch((error: unknown) => logger.warn({ err: error }, 'analytics retention failed; retrying later'));
    await retention();
    const timer = setInterval(() => void retention(), RETENTION_INTERVAL_MS).unref();
    const stopIngest = await services.ingest.startConsumer(bus);
    const stopErasure = await startAnalyticsErasure(orm, outbox, bus, logger);
    const stopExport = await startAnalyticsExport(orm, bus, logger);
    return async () => {
      clearInterval(timer);
      services.live.stop();
      await stopIngest();
      await stopErasure();
      await stopExport();
      await services.realtime.close();
    };
  },
};
