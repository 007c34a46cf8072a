import type { TestStack } from './test-stack.js';

/** Runs SQL in a subgraph's own database, as an operator would (roles, statuses, counts). */
export async function execSql<T = Record<string, unknown>>(
  stack: TestStack,
  service: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const orm = stack.subgraphs[service]?.orm;
  if (!orm) throw new Error(`no database for ${service}`);
  return orm.em.fork().getConnection().execute<T[]>(sql, params);
}

/** The statements a subgraph ran while `work` ran. */
export async function statementsDuring(
  stack: TestStack,
  service: string,
  work: () => Promise<unknown>,
): Promise<string[]> {
  const log = (stack.sql[service] ??= []);
  const start = log.length;
  await work();
  return log.slice(start);
}

/**
 * The statements that read `table`'s rows by id (`where "x0"."id" in (…)` or `= ?`): what an
 * N+1 multiplies. A subgraph's background work (outbox relay, audit consumer, sweepers) never
 * reads that way, so counting these counts what a request cost.
 */
export function readsById(statements: string[], table: string): string[] {
  // The embedded profile names the subgraph's schema too: `from "users"."users" as "u0"`.
  const byId = new RegExp(`from (?:"\\w+"\\.)?"${table}" as "(\\w+)" where "\\1"\\."id" (in|=) `);
  return statements.filter((line) => byId.test(line));
}
