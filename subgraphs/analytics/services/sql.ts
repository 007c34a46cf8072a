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
