import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from './logger.js';
import type { PgliteCluster } from './pglite-cluster.js';

export interface LegacyImportOptions {
  dataDir: string;
  service: string;
  cluster: PgliteCluster;
  logger: Logger;
}

/** An old per-subgraph cluster (`DATA_DIR/<service>`) could not be imported; nothing was changed. */
export class LegacyImportError extends Error {
  override name = 'LegacyImportError';
}

const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Earlier versions kept one PGlite cluster per subgraph in `DATA_DIR/<service>`. When
 * one is still there, its rows are copied into the subgraph's schema of the shared
 * cluster (freshly migrated, so every legacy column exists there) in one transaction,
 * and the old directory is renamed to `<service>.imported`, never deleted. A failure
 * leaves both untouched and stops the start with the reason.
 */
export async function importLegacyDatabase(options: LegacyImportOptions): Promise<void> {
  const { service, cluster, logger } = options;
  const legacyDir = resolve(options.dataDir, service);
  if (!existsSync(join(legacyDir, 'PG_VERSION'))) return;
  const started = performance.now();
  const legacy = await PGlite.create({ dataDir: legacyDir });
  const session = cluster.session(service);
  let copied: Record<string, number>;
  try {
    const tables = await legacy.query<{ name: string }>(
      `select table_name as name from information_schema.tables
       where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> $1 order by table_name`,
      [MIGRATIONS_TABLE],
    );
    copied = await session.transaction(async (tx) => {
      // Rows arrive table by table: foreign keys are checked by the data's origin, not re-checked here.
      await tx.exec('set local session_replication_role = replica');
      const counts: Record<string, number> = {};
      for (const { name } of tables.rows) {
        const columns = await legacy.query<{ name: string }>(
          `select column_name as name from information_schema.columns
           where table_schema = 'public' and table_name = $1 order by ordinal_position`,
          [name],
        );
        const list = columns.rows.map((column) => `"${column.name}"`).join(', ');
        const existing = await tx.query<{ n: number }>(`select count(*)::int as n from "${service}"."${name}"`);
        if (existing.rows[0]!.n > 0) {
          throw new LegacyImportError(`table ${service}.${name} already has rows`);
        }
        // An empty table is skipped: COPY of an empty blob leaves PGlite's next answer empty.
        const rows = await legacy.query<{ n: number }>(`select count(*)::int as n from public."${name}"`);
        if (rows.rows[0]!.n === 0) {
          counts[name] = 0;
          continue;
        }
        const out = await legacy.query(`copy public."${name}" (${list}) to '/dev/blob'`);
        const result = await tx.query(`copy "${service}"."${name}" (${list}) from '/dev/blob'`, [], {
          blob: out.blob!,
        });
        counts[name] = result.affectedRows ?? 0;
      }
      return counts;
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LegacyImportError(
      `could not import the old ${service} database from ${legacyDir} into schema "${service}" of ${cluster.dir}: ${reason}. ` +
        `Nothing was deleted; fix the cause, or move ${legacyDir} away to start without its data.`,
    );
  } finally {
    await legacy.close();
    await session.close();
  }
  const keptAt = `${legacyDir}.imported`;
  renameSync(legacyDir, keptAt);
  logger.warn(
    {
      service,
      from: legacyDir,
      into: `${cluster.dir} (schema ${service})`,
      rows: copied,
      keptAt,
      durationMs: Math.round(performance.now() - started),
    },
    'imported a per-subgraph PGlite directory from an earlier version; the old directory is kept and can be deleted',
  );
}
