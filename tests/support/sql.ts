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
 * Drops what a subgraph's background work ran (the outbox relay's polls, the audit consumer's
 * inserts, the data export sweeper, transaction brackets), leaving the statements a request
 * itself cost.
 */
export function requestStatementsOnly(statements: string[]): string[] {
  return statements.filter((line) => !/"outbox"|"audit_log"|data_exports|\] (begin|commit)/.test(line));
}
