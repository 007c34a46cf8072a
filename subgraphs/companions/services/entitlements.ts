import type { EntityManager } from '@mikro-orm/core';
import { projectLatest } from './account-projection.js';
import { appError, ErrorCode } from '../../../platform/errors.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import {
  nextDailyReset,
  startOfUtcDay,
  type Entitlements,
  type Plan,
  type PlanTable,
} from '../../../platform/plans.js';
import { Companion } from '../entities/companion.js';
import { AccountPlan } from '../entities/entitlement-plan.js';
import { accountPlanEvents } from '../events.js';

export interface Usage {
  plan: Plan;
  messagesToday: number;
  messagesLimit: number;
  companionsOwned: number;
  companionsLimit: number;
  /** When messagesToday starts again from 0 (next UTC midnight). */
  resetsAt: Date;
}

export type Quota = 'MESSAGES_PER_DAY' | 'COMPANIONS_OWNED' | 'MESSAGE_LENGTH';

function quotaExceeded(quota: Quota, message: string, limit: number, resetsAt: Date | null) {
  return appError(ErrorCode.QUOTA_EXCEEDED, message, {
    quota,
    limit,
    resetsAt: resetsAt?.toISOString() ?? null,
  });
}

/**
 * Plan entitlements, enforced where the work happens: the plan table (platform/plans.ts)
 * applied to the plan this subgraph knows for the account. Over a limit → QUOTA_EXCEEDED with
 * `quota`, `limit` and `resetsAt`. A downgrade keeps what exists (companions) and blocks new.
 */
export class EntitlementService {
  constructor(private readonly table: PlanTable) {}

  async planOf(em: EntityManager, userId: string): Promise<Plan> {
    return (await em.findOne(AccountPlan, { userId }))?.plan ?? 'FREE';
  }

  async of(em: EntityManager, userId: string): Promise<Entitlements> {
    return this.table[await this.planOf(em, userId)];
  }

  /** The user's messages since the start of the UTC day (blocked ones count: they were sent). */
  async messagesToday(em: EntityManager, userId: string, now = new Date()): Promise<number> {
    const [row] = await em.getConnection().execute<{ n: string | number }[]>(
      `select count(*) as n from "messages" m join "conversations" c on c."id" = m."conversation_id"
       where c."user_id" = ? and m."role" = 'USER' and m."created_at" >= ?`,
      [userId, startOfUtcDay(now)],
      'all',
      em.getTransactionContext(),
    );
    return Number(row?.n ?? 0);
  }

  async companionsOwned(em: EntityManager, userId: string): Promise<number> {
    return em.count(Companion, { ownerId: userId, deletedAt: null });
  }

  /** Before a message is stored: its length against the plan (the day's count is taken in the send's transaction). */
  async checkMessage(em: EntityManager, userId: string, length: number): Promise<Entitlements> {
    const plan = await this.of(em, userId);
    if (length > plan.longestMessageChars) {
      throw quotaExceeded(
        'MESSAGE_LENGTH',
        `Your plan allows messages of up to ${plan.longestMessageChars} characters`,
        plan.longestMessageChars,
        null,
      );
    }
    return plan;
  }

  /**
   * Takes one message from the day's quota, inside the transaction that stores it. The upsert
   * locks the user's counter row for the day until that transaction ends, so concurrent sends
   * of one user decide one after another, each counting the messages the previous ones stored
   * (a fresh snapshot per statement). A send that fails later rolls back and takes nothing.
   */
  async takeMessage(tx: EntityManager, userId: string, plan: Entitlements, now = new Date()): Promise<void> {
    const day = startOfUtcDay(now);
    // The user's rows of earlier days go in the same statement: one row per user at most.
    await tx.getConnection().execute(
      `with earlier as (delete from "message_quota_usage" where "user_id" = ? and "day" < ?)
       insert into "message_quota_usage" ("user_id", "day", "used") values (?, ?, 1)
       on conflict ("user_id", "day") do update set "used" = "message_quota_usage"."used" + 1`,
      [userId, day, userId, day],
      'run',
      tx.getTransactionContext(),
    );
    if ((await this.messagesToday(tx, userId, now)) >= plan.messagesPerDay) {
      throw quotaExceeded(
        'MESSAGES_PER_DAY',
        `Your plan allows ${plan.messagesPerDay} messages a day`,
        plan.messagesPerDay,
        nextDailyReset(now),
      );
    }
  }

  /** Before a companion is created (inside its transaction). */
  async checkNewCompanion(em: EntityManager, userId: string): Promise<void> {
    const plan = await this.of(em, userId);
    if ((await this.companionsOwned(em, userId)) >= plan.companionsOwned) {
      throw quotaExceeded(
        'COMPANIONS_OWNED',
        `Your plan allows ${plan.companionsOwned} companions; delete one or upgrade`,
        plan.companionsOwned,
        null,
      );
    }
  }

  async usage(em: EntityManager, userId: string): Promise<Usage> {
    const now = new Date();
    const plan = await this.planOf(em, userId);
    const limits = this.table[plan];
    const [messagesToday, companionsOwned] = await Promise.all([
      this.messagesToday(em, userId, now),
      this.companionsOwned(em, userId),
    ]);
    return {
      plan,
      messagesToday,
      messagesLimit: limits.messagesPerDay,
      companionsOwned,
      companionsLimit: limits.companionsOwned,
      resetsAt: nextDailyReset(now),
    };
  }

  /** Idempotent: an event older than what is stored (redelivered, reordered) changes nothing. */
  async apply(em: EntityManager, userId: string, plan: Plan, changedAt: Date): Promise<void> {
    await projectLatest(em, 'account_plans', 'plan', userId, plan, changedAt);
  }

  async startConsumer(orm: Orm, bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, accountPlanEvents, {
      'user.plan_changed': (event) =>
        this.apply(orm.em.fork(), event.userId, event.payload.to, new Date(event.occurredAt)),
    });
    return () => consumer.close();
  }
}
