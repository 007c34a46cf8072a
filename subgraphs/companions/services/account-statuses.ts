import type { EntityManager } from '@mikro-orm/core';
import { BLOCKED_STATUSES, type Identity } from '../../../platform/auth/identity.js';
import { appError, ErrorCode, unauthenticated } from '../../../platform/errors.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { parseEvent, Topic } from '../../../schema/events/contracts.js';
import { AccountStatus } from '../entities/account-status.js';

/**
 * Account statuses as the users subgraph announces them on `user-lifecycle`, so this
 * subgraph refuses a SUSPENDED or BANNED user even on a connection opened before the sanction.
 */
export class AccountStatuses {
  async requireActive(em: EntityManager, viewer: Identity | null): Promise<Identity> {
    if (!viewer) throw unauthenticated();
    const known = await em.findOne(AccountStatus, { userId: viewer.userId });
    if (known && BLOCKED_STATUSES.has(known.status)) {
      throw appError(ErrorCode.FORBIDDEN, `Account is ${known.status.toLowerCase()}`, {
        reason: `ACCOUNT_${known.status}`,
      });
    }
    return viewer;
  }

  /** Idempotent: an event older than what is stored (redelivered, reordered) changes nothing. */
  async apply(em: EntityManager, userId: string, status: AccountStatus['status'], changedAt: Date): Promise<void> {
    await em.getConnection().execute(
      `insert into "account_statuses" ("user_id", "status", "changed_at") values (?, ?, ?)
       on conflict ("user_id") do update set "status" = excluded."status", "changed_at" = excluded."changed_at"
       where "account_statuses"."changed_at" < excluded."changed_at"`,
      [userId, status, changedAt],
    );
  }

  async startConsumer(orm: Orm, bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await bus.consume({
      groupId: 'companions.account-statuses',
      topics: [Topic.userLifecycle],
      onRecord: async (record) => {
        let event;
        try {
          event = parseEvent(record.value);
        } catch (error) {
          logger.warn({ err: error, offset: record.offset }, 'skipping an invalid user-lifecycle event');
          return;
        }
        if (event.type === 'user.status_changed') {
          const payload = event.payload as { to: AccountStatus['status'] };
          await this.apply(orm.em.fork(), event.userId, payload.to, new Date(event.occurredAt));
        } else if (event.type === 'user.registered') {
          const payload = event.payload as { status: AccountStatus['status'] };
          await this.apply(orm.em.fork(), event.userId, payload.status, new Date(event.occurredAt));
        }
      },
    });
    return () => consumer.close();
  }
}
