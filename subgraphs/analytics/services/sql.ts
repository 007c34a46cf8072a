import { boundSql } from '../../../platform/bound-sql.js';
import type { EntityManager, Orm } from '../../../platform/orm.js';

/** Rows of a raw SQL statement (the analytics tables have no entities), typed by the caller. */
export async function rows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(sql, params)) as T[];
}

/**
 * Rows of a statement with real bind parameters (platform/bound-sql.ts), outside any
 * transaction: the ingest's batch statement, a megabyte of parameters.
 */
export async function boundRows<T>(orm: Orm, sql: string, params: unknown[]): Promise<T[]> {
  return (await boundSql<T>(orm.em.fork(), sql, params)).rows;
}

/**
 * Rows of a statement with bind parameters (`$1`, `$2`, …) planned with hash joins only (nested
 * loops and merge joins off, `set local` in a transaction of its own): for the funnel, whose
 * steps the planner estimates as a handful of users on purpose (funnel-sql.ts) and would
 * otherwise probe one user at a time.
 */
export async function boundRowsWithHashJoins<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return em.transactional(async (tx) => {
    await boundSql(
      tx,
      `select set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true)`,
      [],
    );
    return (await boundSql<T>(tx, sql, params)).rows;
  });
}
