import { randomBytes } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { PasswordHasher } from '../../../platform/auth/password.js';
import type { RequestScope } from '../../../platform/context.js';
import { badInput } from '../../../platform/errors.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { OutboxMessage } from '../../../platform/events/outbox-message.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { Session } from '../entities/session.js';
import { User } from '../entities/user.js';
import { erasureConfirmations } from '../events.js';
import type { SessionService } from '../services/session-service.js';
import type { StatusChanges } from '../services/status-changes.js';
import { appendAudit } from './audit-log.js';
import { ConsentRecord } from './consent-record.js';
import { ERASING_SUBGRAPHS, ErasureRequest, type ErasingSubgraph } from './erasure-request.js';

/** What a deleted account shows to everyone. */
export const DELETED_DISPLAY_NAME = 'Deleted user';
const DAY_MS = 86_400_000;

/**
 * Work of an erasure outside the databases (billing: delete the Stripe customer). `stage` records
 * it inside the deleteAccount transaction, so it survives an outage or a crash; `runPending` does
 * what is due and is called by the erasure sweeper until it succeeds. Its failures never keep the
 * account alive.
 */
export interface ErasureHook {
  stage(tx: EntityManager, userId: string): Promise<void>;
  runPending(): Promise<unknown>;
}

/**
 * Account deletion (docs/privacy.md, "Erasure"): at once the account is DELETED, every token
 * revoked and the profile anonymised; `user.erasure_requested` asks every subgraph for its
 * part; confirmations are recorded; the row is hard-deleted after ERASURE_GRACE_DAYS.
 */
export class ErasureService {
  private readonly hooks: ErasureHook[] = [];

  constructor(
    private readonly deps: {
      orm: Orm;
      passwords: PasswordHasher;
      sessions: SessionService;
      statuses: StatusChanges;
      outbox: OutboxRelay;
      logger: Logger;
      /** The user's data exports go with the account. */
      exports: { eraseFor(tx: EntityManager, userId: string): Promise<void> };
      graceDays: number;
    },
  ) {}

  /** Billing registers "delete the Stripe customer" here. */
  onErasure(hook: ErasureHook): void {
    this.hooks.push(hook);
  }

  /** The hooks' pending work (from the sweeper, every second); one hook failing does not stop the others. */
  async retryPending(): Promise<void> {
    for (const hook of this.hooks) {
      await hook.runPending().catch((error: unknown) => this.deps.logger.error({ err: error }, 'erasure hook failed'));
    }
  }

  async deleteAccount(scope: RequestScope, password: string): Promise<boolean> {
    const { user } = await this.deps.sessions.requireLive(scope);
    await scope.em.populate(user, ['passwordHash']);
    if (!(await this.deps.passwords.verify(password, user.passwordHash))) {
      throw badInput('Password is incorrect', 'password', 'WRONG_PASSWORD');
    }
    const enforcement = await scope.em.transactional(async (tx) => {
      const enforcement = await this.deps.statuses.stage(tx, user, {
        to: 'DELETED',
        actorId: user.id,
        reason: 'deleted by the account holder',
      });
      // Nothing personal stays on the row: the email becomes an address that cannot receive mail.
      user.email = `deleted-${user.id}@erased.invalid`;
      user.displayName = DELETED_DISPLAY_NAME;
      user.removedDisplayName = null;
      user.passwordHash = `erased:${randomBytes(16).toString('hex')}`;
      tx.persist(user);
      tx.persist(
        tx.create(ErasureRequest, {
          userId: user.id,
          hardDeleteAfter: new Date(Date.now() + this.deps.graceDays * DAY_MS),
          // The users subgraph's own share is done here: the row is anonymised and the
          // published events that carried the display name leave the outbox.
          confirmations: { users: new Date().toISOString() },
        }),
      );
      await tx.nativeDelete(OutboxMessage, { key: user.id, publishedAt: { $ne: null } });
      await this.deps.exports.eraseFor(tx, user.id);
      for (const hook of this.hooks) await hook.stage(tx, user.id);
      stageEvent(tx, 'user.erasure_requested', { userId: user.id, actorId: user.id, payload: {} });
      appendAudit(tx, {
        category: 'SECURITY',
        action: 'privacy.erasure_requested',
        actorId: user.id,
        subjectId: user.id,
      });
      return enforcement;
    });
    await this.deps.statuses.enforce(enforcement);
    // The hooks' work (the Stripe customer) is done by the sweeper within a second, retried until done.
    return true;
  }

  private async confirm(tx: EntityManager, userId: string, subgraph: ErasingSubgraph): Promise<void> {
    const request = await tx.findOne(ErasureRequest, { userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!request || request.confirmations[subgraph]) return;
    request.confirmations = { ...request.confirmations, [subgraph]: new Date().toISOString() };
    if (ERASING_SUBGRAPHS.every((name) => request.confirmations[name])) {
      request.completedAt = new Date();
      appendAudit(tx, { category: 'SECURITY', action: 'privacy.erasure_completed', subjectId: userId });
    }
  }

  /** `user.erasure_completed` from the other subgraphs. */
  async startConsumer(bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, erasureConfirmations, {
      'user.erasure_completed': (event) =>
        this.deps.orm.em.fork().transactional((tx) => this.confirm(tx, event.userId, event.payload.subgraph)),
    });
    return () => consumer.close();
  }

  /** Hard delete of completed erasures past their grace period; returns how many. */
  async sweep(): Promise<number> {
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const due = await tx.find(ErasureRequest, {
        completedAt: { $ne: null },
        hardDeletedAt: null,
        hardDeleteAfter: { $lte: new Date() },
      });
      for (const request of due) {
        const userId = request.userId;
        await tx.nativeDelete(Session, { user: userId });
        await tx.nativeDelete(ConsentRecord, { userId });
        await tx.nativeDelete(OutboxMessage, { key: userId, publishedAt: { $ne: null } });
        await tx.nativeDelete(User, { id: userId });
        request.hardDeletedAt = new Date();
      }
      return due.length;
    });
  }
}
