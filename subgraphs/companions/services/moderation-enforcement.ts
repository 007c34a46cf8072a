import type { EntityManager } from '@mikro-orm/core';
import type { EventEnvelope } from '../../../schema/events/contracts.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { moderationDecisionEvents } from '../events.js';
import { isUuid } from './loaders.js';

type Verdict = 'block' | 'restore';

/**
 * Enforces moderation decisions on this subgraph's content. A REJECTED message becomes BLOCKED
 * (its text kept, withheld from all but staff); a REJECTED companion is hidden like a deleted one.
 * An APPROVED decision or a reversal restores what was blocked. Each event applies once (its id
 * is recorded with the change), and only if it is newer than the last one applied to that content.
 */
export class ModerationEnforcement {
  constructor(private readonly logger: Logger) {}

  async decided(em: EntityManager, event: EventEnvelope<'moderation.decided'>): Promise<void> {
    await this.apply(em, event, event.payload.status === 'REJECTED' ? 'block' : 'restore');
  }

  async reversed(em: EntityManager, event: EventEnvelope<'moderation.reversed'>): Promise<void> {
    await this.apply(em, event, 'restore');
  }

  private async apply(
    em: EntityManager,
    event: EventEnvelope<'moderation.decided' | 'moderation.reversed'>,
    verdict: Verdict,
  ): Promise<void> {
    const { contentType, contentId } = event.payload;
    if ((contentType !== 'MESSAGE' && contentType !== 'COMPANION') || !isUuid(contentId)) return;
    const at = new Date(event.occurredAt);
    await em.transactional(async (tx) => {
      const connection = tx.getConnection();
      const run = (sql: string, params: unknown[]) =>
        connection.execute<{ affectedRows: number }>(sql, params, 'run', tx.getTransactionContext());
      const fresh = await run(
        `insert into "applied_moderation_events" ("event_id", "applied_at") values (?, ?) on conflict do nothing`,
        [event.id, new Date()],
      );
      if (!fresh.affectedRows) return; // a redelivery or a duplicate: applied already
      // `<=`: two events of the same millisecond apply in delivery order; duplicates were stopped above.
      const changed =
        contentType === 'MESSAGE'
          ? await run(
              verdict === 'block'
                ? `update "messages" set "status_before_block" = coalesce("status_before_block", "status"),
                     "status" = 'BLOCKED', "moderated_at" = ?
                   where "id" = ? and "status" <> 'STREAMING' and ("moderated_at" is null or "moderated_at" <= ?)`
                : `update "messages" set
                     "status" = case when "status" = 'BLOCKED' and "status_before_block" is not null
                                     then "status_before_block" else "status" end,
                     "status_before_block" = null, "moderated_at" = ?
                   where "id" = ? and ("moderated_at" is null or "moderated_at" <= ?)`,
              [at, contentId, at],
            )
          : await run(
              `update "companions" set "blocked_at" = ${verdict === 'block' ? 'coalesce("blocked_at", ?)' : 'null'},
                 "moderated_at" = ?
               where "id" = ? and ("moderated_at" is null or "moderated_at" <= ?)`,
              verdict === 'block' ? [at, at, contentId, at] : [at, contentId, at],
            );
      this.logger.debug(
        { eventId: event.id, type: event.type, contentType, contentId, verdict, changed: changed.affectedRows },
        'moderation decision enforced',
      );
    });
  }

  async startConsumer(orm: Orm, bus: EventBus): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, this.logger, moderationDecisionEvents, {
      'moderation.decided': (event) => this.decided(orm.em.fork(), event),
      'moderation.reversed': (event) => this.reversed(orm.em.fork(), event),
    });
    return () => consumer.close();
  }
}
