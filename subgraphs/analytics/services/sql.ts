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
 * Rows of a statement run with JIT compilation off (`set local`, in a transaction of its own).
 * For statements whose estimated cost crosses `jit_above_cost` but that run in milliseconds,
 * where compiling their expressions is most of the time: a 10-step funnel over a year spent
 * 4.2 s of 5.4 s compiling (measured), the old 4-step one ~100 ms of ~500 at every execution.
 */
export async function rowsWithoutJit<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.transactional(async (tx) => {
    const connection = tx.getConnection();
    const context = tx.getTransactionContext();
    await connection.execute('set local jit = off', [], 'run', context);
    return (await connection.execute(sql, params, 'all', context)) as T[];
  });
}
