/**
 * `npm run analytics:rebuild`: rebuilds the analytics rollups from the raw history (after a
 * fix to a rollup, or to check them). Uses the same configuration as the subgraph.
 */
import 'reflect-metadata';
import { loadConfigOrExit } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { openDatabase } from '../../platform/orm.js';
import { analyticsSubgraph } from './schema.js';
import { rebuildRollups } from './services/rebuild.js';

const config = loadConfigOrExit(process.env);
const logger = createLogger('analytics-rebuild', config.LOG_LEVEL);
const orm = await openDatabase({
  service: 'analytics',
  config,
  logger,
  entities: analyticsSubgraph.entities,
  migrations: analyticsSubgraph.migrations,
});
try {
  const started = Date.now();
  const events = await rebuildRollups(orm);
  process.stdout.write(`rebuilt the analytics rollups from ${events} events in ${Date.now() - started} ms\n`);
} finally {
  await orm.close();
}
