import type { EntityManager } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { CompiledQuery, type QueryResult } from 'kysely';

/**
 * A statement with real bind parameters (`$1`, `$2`, …), in `em`'s transaction when it has one.
 * MikroORM's `execute` writes parameters into the SQL text first (escaping character by
 * character) and the database then lexes that text again: for the half megabyte of JSON of a
 * moderation intake batch or the megabyte of an analytics ingest batch, both cost more than the
 * statement itself. Bound, the parameters go over as they are.
 */
export async function boundSql<R>(em: EntityManager, sql: string, params: unknown[]): Promise<QueryResult<R>> {
  const tx = em.getTransactionContext<{ executeQuery<T>(query: CompiledQuery): Promise<QueryResult<T>> }>();
  const runner = tx ?? (em.getConnection() as AbstractSqlConnection).getClient();
  return runner.executeQuery<R>(CompiledQuery.raw(sql, params));
}
