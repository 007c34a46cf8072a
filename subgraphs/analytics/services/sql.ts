import type { EntityManager } from '../../../platform/orm.js';

/** Rows of a raw SQL statement (the analytics tables have no entities), typed by the caller. */
export async function rows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(sql, params)) as T[];
}
