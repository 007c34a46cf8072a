import type { EntityManager } from '@mikro-orm/core';
import type { Loaders } from './loaders.js';

export interface PageKey {
  parentId: string;
  /** Rows wanted; the loader returns up to size + 1 so callers can tell if there is more. */
  size: number;
  /** Only rows after this id (in the page's order). */
  afterId?: string;
}

export interface PageSource {
  /** Loader name, unique per request. */
  name: string;
  table: string;
  parentColumn: string;
  order: 'asc' | 'desc';
  /** Extra SQL condition on the table's columns (alias t), without user input. */
  where?: string;
}

/**
 * First pages of a list for many parents in one SQL statement (row_number() per parent),
 * so `users { companions(first: 10) }` costs one query for any number of users.
 */
export function pageLoader<T extends object>(
  loaders: Loaders,
  em: EntityManager,
  entity: new () => T,
  source: PageSource,
) {
  return loaders.get<PageKey, T[]>(`${source.name}:${source.where ?? ''}`, async (keys) => {
    const groups = new Map<string, PageKey[]>();
    for (const key of keys) {
      const group = `${key.size}|${key.afterId ?? ''}`;
      groups.set(group, [...(groups.get(group) ?? []), key]);
    }
    const results = new Map<PageKey, T[]>();
    for (const group of groups.values()) {
      const { size, afterId } = group[0]!;
      const parents = [...new Set(group.map((key) => key.parentId))];
      const params: unknown[] = [...parents];
      const conditions = [`t."${source.parentColumn}" in (${parents.map(() => '?').join(', ')})`];
      if (afterId) {
        conditions.push(`t."id" ${source.order === 'asc' ? '>' : '<'} ?`);
        params.push(afterId);
      }
      if (source.where) conditions.push(source.where);
      params.push(size + 1);
      const rows = await em.getConnection().execute<Record<string, unknown>[]>(
        `select * from (select t.*, row_number() over (partition by t."${source.parentColumn}" order by t."id" ${source.order}) as "page_row"
           from "${source.table}" t where ${conditions.join(' and ')}) ranked
         where "page_row" <= ? order by "id" ${source.order}`,
        params,
      );
      const byParent = new Map<string, T[]>();
      for (const row of rows) {
        const parent = String(row[source.parentColumn]);
        delete row.page_row;
        byParent.set(parent, [...(byParent.get(parent) ?? []), em.map(entity, row)]);
      }
      for (const key of group) results.set(key, byParent.get(key.parentId) ?? []);
    }
    return keys.map((key) => results.get(key) ?? []);
  });
}
