import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Constructor, EntityManager, MigrationObject } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PgliteORM } from '@mikro-orm/pglite';
import { MikroORM as PostgresORM } from '@mikro-orm/postgresql';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export type Orm = Awaited<ReturnType<typeof PostgresORM.init>> | Awaited<ReturnType<typeof PgliteORM.init>>;
export type { EntityManager };

export interface DatabaseOptions {
  service: string;
  config: Config;
  logger: Logger;
  entities: Constructor[];
  migrations: MigrationObject[];
  /** Count SQL statements (benchmarks and the N+1 tests read it). */
  onQuery?: (sql: string) => void;
}

/** Database name (PostgreSQL) or data directory (PGlite) of one subgraph. */
export function databaseLocation(config: Config, service: string): string {
  return config.DATABASE_URL ? `${config.DATABASE_PREFIX}_${service}` : resolve(config.DATA_DIR, service);
}

/**
 * Opens the subgraph's own database (PostgreSQL when DATABASE_URL is set, else an
 * embedded PGlite cluster under DATA_DIR) and applies its committed migrations.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Orm> {
  const { config, service } = options;
  const common = {
    entities: options.entities,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    migrations: {
      migrationsList: options.migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    debug: options.onQuery ? (['query'] as const).slice() : false,
    logger: options.onQuery ? (message: string) => options.onQuery!(message) : () => undefined,
    allowGlobalContext: false,
    colors: false,
    forceUtcTimezone: true,
  };
  let orm: Orm;
  if (config.DATABASE_URL) {
    orm = await PostgresORM.init({
      ...common,
      clientUrl: config.DATABASE_URL,
      dbName: databaseLocation(config, service),
      pool: { min: 0, max: 10 },
    });
    // Creates the subgraph's database on first start; tables come from migrations only.
    await orm.schema.ensureDatabase();
  } else {
    const dir = databaseLocation(config, service);
    mkdirSync(dir, { recursive: true });
    orm = await PgliteORM.init({ ...common, dbName: dir });
  }
  const applied = await orm.migrator.up();
  if (applied.length > 0) {
    options.logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  }
  return orm;
}
