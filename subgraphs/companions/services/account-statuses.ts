import type { EntityManager } from '@mikro-orm/core';
import { projectLatest } from './account-projection.js';
import { BLOCKED_STATUSES, type Identity } from '../../../platform/auth/identity.js';
import { appError, ErrorCode, unauthenticated } from '../../../platform/errors.js';
import type { RequestScope } from '../../../platform/context.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import { accountStatusEvents } from '../events.js';
import { AccountStatus } from '../entities/account-status.js';

/**
 * Account statuses as the users subgraph announces them on `user-lifecycle`, so this
 * subgraph refuses a SUSPENDED or BANNED user even on a connection opened before the sanction.
 */
export class AccountStatuses {
  /** The signed-in viewer of the request, unless suspended or banned. */
  async requireActive(scope: RequestScope): Promise<Identity> {
    const viewer = scope.identity;
    if (!viewer) throw unauthenticated();
    const known = await scope.em.findOne(AccountStatus, { userId: viewer.userId });
    if (known && BLOCKED_STATUSES.has(known.status)) {
      throw appError(ErrorCode.FORBIDDEN, `Account is ${known.status.toLowerCase()}`, {
        reason: `ACCOUNT_${known.status}`,
      });
    }
    return viewer;
  }

  /** Idempotent: an event older than what is stored (redelivered, reordered) changes nothing. */
  async apply(em: EntityManager, userId: string, status: AccountStatus['status'], changedAt: Date): Promise<void> {
    await projectLatest(em, 'account_statuses', 'status', userId, status, changedAt);
  }

  async startConsumer(orm: Orm, bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, accountStatusEvents, {
      'user.registered': (event) =>
        this.apply(orm.em.fork(), event.userId, event.payload.status, new Date(event.occurredAt)),
      'user.status_changed': (event) =>
        this.apply(orm.em.fork(), event.userId, event.payload.to, new Date(event.occurredAt)),
    });
    return () => consumer.close();
  }
}
