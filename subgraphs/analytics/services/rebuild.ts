import type { Orm } from '../../../platform/orm.js';
import { REBUILD_SQL, ROLLUP_TABLES } from './rollups.js';

/**
 * Rebuilds every rollup from the history kept, in one transaction: the history is locked
 * against writes meanwhile (the ingest waits and resumes after), so no batch is counted
 * twice or lost. Returns how many events were folded in.
 */
export async function rebuildRollups(orm: Orm): Promise<number> {
  const events = await orm.em.fork().transactional(async (em) => {
    const run = (sql: string) => em.getConnection().execute(sql, [], 'all', em.getTransactionContext());
    await run(`lock table "analytics_events" in share mode`);
    await run(`truncate ${ROLLUP_TABLES.map((table) => `"${table}"`).join(', ')}`);
    const [row] = (await run(REBUILD_SQL)) as { events: string | number }[];
    return Number(row?.events ?? 0);
  });
  // Fresh statistics: the planner would otherwise take the rebuilt tables for empty ones.
  await orm.em
    .fork()
    .getConnection()
    .execute(`analyze ${ROLLUP_TABLES.map((table) => `"${table}"`).join(', ')}`);
  return events;
}
