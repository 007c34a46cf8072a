/**
 * Writes the next migration of one subgraph: applies its committed migrations to a
 * throw-away PGlite database, diffs that against the entities, and emits a file.
 * Usage: npm run migration:create -- <service> [name]
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { openDatabase } from '../platform/orm.js';
import { subgraphModels } from './subgraph-models.js';

const [service, name] = process.argv.slice(2);
const model = service ? subgraphModels[service] : undefined;
if (!service || !model) {
  process.stderr.write(`usage: migration-create <${Object.keys(subgraphModels).join('|')}> [name]\n`);
  process.exit(2);
}
const dataDir = mkdtempSync(join(tmpdir(), 'nexus-migrate-'));
try {
  const config = loadConfig({ ...process.env, DATABASE_URL: '', DATA_DIR: dataDir });
  const orm = await openDatabase({
    service,
    config,
    logger: createLogger('migrations', 'warn'),
    entities: model.entities,
    migrations: model.migrations,
  });
  const target = resolve('subgraphs', service, 'migrations');
  const result = await orm.migrator.create(target, false, model.migrations.length === 0, name);
  await orm.close();
  if (!result.fileName) {
    process.stdout.write(`${service}: entities and migrations agree; nothing to write\n`);
  } else {
    process.stdout.write(`${service}: wrote ${join(target, result.fileName)}; add it to migrations/index.ts\n`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
