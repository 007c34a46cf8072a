import type { EntityManager } from '@mikro-orm/core';
import type { Identity, Role } from '../../../platform/auth/identity.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { AccountRole } from '../entities/account-role.js';
import { roleEvents } from '../events.js';

export const STAFF_ROLES: ReadonlySet<Role> = new Set(['MODERATOR', 'ADMIN']);
export const isStaff = (identity: Identity | null): identity is Identity =>
  !!identity && STAFF_ROLES.has(identity.role);

/**
 * Authors' roles, so a moderator cannot act on staff. Sources: `user.registered`, and the
 * gateway-verified identity of every caller of this subgraph (covers role changes made
 * after registration until the users subgraph publishes them).
 */
export class AccountRoles {
  /** Idempotent: an observation older than the stored one changes nothing. */
  async apply(em: EntityManager, userId: string, role: Role, changedAt: Date): Promise<void> {
    await em.getConnection().execute(
      `insert into "account_roles" ("user_id", "role", "changed_at") values (?, ?, ?)
       on conflict ("user_id") do update set "role" = excluded."role", "changed_at" = excluded."changed_at"
       where "account_roles"."changed_at" < excluded."changed_at" and "account_roles"."role" <> excluded."role"`,
      [userId, role, changedAt],
    );
  }

  observe(em: EntityManager, identity: Identity): Promise<void> {
    return this.apply(em, identity.userId, identity.role, new Date());
  }

  async roleOf(em: EntityManager, userId: string): Promise<Role | null> {
    return (await em.findOne(AccountRole, { userId }))?.role ?? null;
  }

  async startConsumer(orm: Orm, bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, roleEvents, {
      'user.registered': (event) =>
        this.apply(orm.em.fork(), event.userId, event.payload.role, new Date(event.occurredAt)),
    });
    return () => consumer.close();
  }
}
