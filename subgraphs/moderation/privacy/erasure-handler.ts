import type { EventBus } from '../../../platform/events/event-bus.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { AUTHOR_LOCK_SPACE } from '../entities/erased-author.js';
import { erasureRequests } from '../events.js';

/**
 * The moderation part of an erasure (docs/privacy.md): case records stay (decisions, ids,
 * times, staff reasons) without what the user wrote: the content text and reference of cases
 * about their content, their appeal texts, the details of reports they filed. Cases decided
 * REPORT_TO_AUTHORITIES keep their content, and `moderation_evidence` is kept whole: both are
 * held for the authorities. Events written about the user leave the outbox once published.
 * A tombstone (`erased_authors`) makes intake drop their content still in flight.
 */
export async function eraseModerationData(orm: Orm, outbox: OutboxRelay, userId: string): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    // Inside the transaction: a statement outside it would wait for it on the embedded
    // database's single connection, and the transaction would wait for the statement.
    const sql = {
      execute: (query: string, params: unknown[]) =>
        tx.getConnection().execute(query, params, 'run', tx.getTransactionContext()),
    };
    // Waits for intake batches storing this author's content; later ones see the tombstone.
    await sql.execute(`select pg_advisory_xact_lock(?, hashtext(?))`, [AUTHOR_LOCK_SPACE, userId]);
    await sql.execute(`insert into erased_authors (user_id, erased_at) values (?, now()) on conflict do nothing`, [
      userId,
    ]);
    await sql.execute(
      `update moderation_cases set content_text = null, content_ref = null
         where author_id = ? and (action is null or action <> 'REPORT_TO_AUTHORITIES')`,
      [userId],
    );
    await sql.execute(`update moderation_cases set appeal_reason = null where author_id = ?`, [userId]);
    await sql.execute(`update content_reports set details = null where reporter_id = ?`, [userId]);
    await sql.execute(`update case_events set detail = null where actor_id = ?`, [userId]);
    await sql.execute(`delete from outbox where key = ? and published_at is not null`, [userId]);
    stageEvent(tx, 'user.erasure_completed', { userId, actorId: null, payload: { subgraph: 'moderation' } });
  });
  outbox.kick();
}

export async function startModerationErasure(orm: Orm, outbox: OutboxRelay, bus: EventBus, logger: Logger) {
  const consumer = await consumeEvents(bus, logger, erasureRequests, {
    'user.erasure_requested': (event) => eraseModerationData(orm, outbox, event.userId),
  });
  return () => consumer.close();
}
