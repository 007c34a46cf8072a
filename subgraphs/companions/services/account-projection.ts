import type { EntityManager } from '@mikro-orm/core';

/**
 * Keeps one value per account as announced on `user-lifecycle` (status, plan), newest wins:
 * an event older than what is stored (redelivered, reordered) changes nothing, so applying
 * is idempotent. `table` and `column` come from this subgraph's code, never from input.
 */
export async function projectLatest(
  em: EntityManager,
  table: 'account_statuses' | 'account_plans',
  column: 'status' | 'plan',
  userId: string,
  value: string,
  changedAt: Date,
): Promise<void> {
  await em.getConnection().execute(
    `insert into "${table}" ("user_id", "${column}", "changed_at") values (?, ?, ?)
     on conflict ("user_id") do update set "${column}" = excluded."${column}", "changed_at" = excluded."changed_at"
     where "${table}"."changed_at" < excluded."changed_at"`,
    [userId, value, changedAt],
    'run',
    em.getTransactionContext(),
  );
}
