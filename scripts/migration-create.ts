/**
 * Writes the next migration of one subgraph: applies its committed migrations to a
 * throw-away PGlite database, diffs that against the entities, and emits a file.
 * Usage: npm run migration:create -- <service> [name]
 *        npm run migration:check  (every subgraph; fails when entities changed without a migration)
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { openScratchDatabase } from '../platform/orm.js';
import { subgraphModels } from './subgraph-models.js';

const args = process.argv.slice(2);
const check = args[0] === '--check';

/** Diffs one subgraph's entities against its migrations; writes the difference to `target`. */
async function diff(service: string, target: string, name?: string): Promise<string | undefined> {
  const model = subgraphModels[service]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-migrate-'));
  try {
    const config = loadConfig({ ...process.env, DATABASE_URL: '', DATA_DIR: dataDir });
    const orm = await openScratchDatabase(
      {
        service,
        config,
        logger: createLogger('migrations', 'warn'),
        entities: model.entities,
        migrations: model.migrations,
      },
      dataDir,
    );
    const result = await orm.migrator.create(target, false, model.migrations.length === 0, name);
    await orm.close();
    return result.fileName || undefined;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (check) {
  let stale = 0;
  for (const service of Object.keys(subgraphModels)) {
    const scratch = mkdtempSync(join(tmpdir(), 'nexus-migration-check-'));
    const file = await diff(service, scratch);
    rmSync(scratch, { recursive: true, force: true });
    if (file) {
      stale += 1;
      process.stderr.write(
        `${service}: entities changed without a migration: run npm run migration:create -- ${service}\n`,
      );
    }
  }
  if (stale) process.exit(1);
  process.stdout.write('migrations match the entities\n');
} else {
  const [service, name] = args;
  if (!service || !subgraphModels[service]) {
    process.stderr.write(`usage: migration-create <${Object.keys(subgraphModels).join('|')}> [name]\n`);
    process.exit(2);
  }
  const target = resolve('subgraphs', service, 'migrations');
  const file = await diff(service, target, name);
  process.stdout.write(
    file
      ? `${service}: wrote ${join(target, file)}; add it to migrations/index.ts\n`
      : `${service}: entities and migrations agree; nothing to write\n`,
  );
}
