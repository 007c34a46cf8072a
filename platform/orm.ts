import type { Constructor, EntityManager, MigrationObject } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PgliteORM } from '@mikro-orm/pglite';
import { MikroORM as PostgresORM } from '@mikro-orm/postgresql';
import { CompiledQuery, PGliteDialect, type DatabaseConnection } from 'kysely';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { PgliteCluster, pgliteClusterDir } from './pglite-cluster.js';
import { importLegacyDatabase } from './pglite-legacy.js';

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

/** Database name of one subgraph on PostgreSQL. */
export function databaseName(config: Config, service: string): string {
  return `${config.DATABASE_PREFIX}_${service}`;
}

export { pgliteClusterDir };

/** Connections one subgraph keeps to PostgreSQL. */
const POSTGRES_POOL_SIZE = 10;

/**
 * How many statements a subgraph's database runs at the same time: the pool's connections on
 * PostgreSQL; one on PGlite, a single session whose statements queue behind each other.
 */
export function concurrentStatements(orm: Orm): number {
  return orm instanceof PostgresORM ? POSTGRES_POOL_SIZE : 1;
}

/**
 * Opens the subgraph's own database and applies its committed migrations: on PostgreSQL
 * (DATABASE_URL) a database of its own; embedded, a schema named after the subgraph in
 * the process's one PGlite cluster under DATA_DIR.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Orm> {
  const { config, service } = options;
  if (config.DATABASE_URL) {
    const orm = await PostgresORM.init({
      ...ormOptions(options),
      clientUrl: config.DATABASE_URL,
      dbName: databaseName(config, service),
      pool: { min: 0, max: POSTGRES_POOL_SIZE },
      onCreateConnection: withoutJit,
    });
    // Creates the subgraph's database on first start; tables come from migrations only.
    await orm.schema.ensureDatabase();
    await migrate(orm, options.logger);
    return orm;
  }
  const cluster = await PgliteCluster.acquire(pgliteClusterDir(config));
  const session = cluster.session(service);
  let orm: Orm | undefined;
  try {
    // Entities are qualified with the schema; the session's search path covers unqualified SQL.
    orm = await PgliteORM.init({
      ...ormOptions(options),
      dbName: service,
      schema: service,
      driverOptions: new PGliteDialect({ pglite: session }),
    });
    await migrate(orm, options.logger);
    await importLegacyDatabase({ dataDir: config.DATA_DIR, service, cluster, logger: options.logger });
    return orm;
  } catch (error) {
    await orm?.close().catch(() => undefined);
    await session.close();
    throw error;
  } finally {
    await cluster.release(); // the session holds the cluster until orm.close()
  }
}

/**
 * Every PostgreSQL connection runs without JIT compilation. The subgraphs' statements run in
 * milliseconds, and a plan whose estimate crosses `jit_above_cost` (a 4-step funnel: its
 * subplans are costed as if run for every row) spent more time compiling than running:
 * ~100 ms of ~500 at every execution, measured. Set once per connection, not per statement.
 * PGlite is built without JIT.
 */
async function withoutJit(connection: unknown): Promise<void> {
  // kysely's connection; MikroORM's option leaves its type open.
  await (connection as DatabaseConnection).executeQuery(CompiledQuery.raw('set jit = off'));
}

/**
 * A throw-away PGlite database of its own in `dir`, tables in `public` and nothing
 * schema-qualified: what `npm run migration:create` diffs the entities against, so
 * generated migrations stay free of schema names and run on both profiles.
 */
export async function openScratchDatabase(options: DatabaseOptions, dir: string): Promise<Orm> {
  const orm = await PgliteORM.init({ ...ormOptions(options), dbName: dir });
  await migrate(orm, options.logger);
  return orm;
}

function ormOptions(options: DatabaseOptions) {
  return {
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
}

async function migrate(orm: Orm, logger: Logger): Promise<void> {
  const applied = await orm.migrator.up();
  if (applied.length > 0) {
    logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  }
}
