import { rmSync } from 'node:fs';
import pg from 'pg';
import { Registry } from 'prom-client';
import type { Config } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { openDatabase, type Orm } from '../../platform/orm.js';
import { ConsentGate } from '../../subgraphs/analytics/privacy/consent-gate.js';
import { analyticsSubgraph } from '../../subgraphs/analytics/schema.js';
import { History } from '../../subgraphs/analytics/services/history.js';
import { IngestService } from '../../subgraphs/analytics/services/ingest-service.js';
import { analyticsMetrics } from '../../subgraphs/analytics/services/metrics.js';
import { createMemoryRealtimeStore } from '../../subgraphs/analytics/services/realtime/memory-store.js';

/**
 * The analytics database of a test configuration, migrated, with the subgraph's own ingest on it
 * (no server, no bus): tests feed it batches and read the tables. `consentGate` applies the
 * consent rules of docs/privacy.md as the running subgraph does.
 */
export async function openAnalyticsIngest(
  config: Config,
  options: { consentGate?: boolean } = {},
): Promise<{ orm: Orm; ingest: IngestService }> {
  const logger = createLogger('test', 'silent');
  const orm = await openDatabase({
    service: 'analytics',
    config,
    logger,
    entities: analyticsSubgraph.entities,
    migrations: analyticsSubgraph.migrations,
  });
  const ingest = new IngestService({
    orm,
    history: new History(orm, 400),
    realtime: createMemoryRealtimeStore(),
    metrics: analyticsMetrics(new Registry()),
    logger,
    batchSize: 100,
    ...(options.consentGate ? { consents: new ConsentGate({ orm }) } : {}),
  });
  return { orm, ingest };
}

/** Closes what openAnalyticsIngest opened and removes the run's data: its temp dir, its database. */
export async function closeAnalyticsIngest(orm: Orm | undefined, config: Config, dataDir: string): Promise<void> {
  await orm?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (!config.DATABASE_URL) return;
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop database if exists "${config.DATABASE_PREFIX}_analytics" with (force)`);
  } finally {
    await client.end();
  }
}
