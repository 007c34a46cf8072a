import type { EntityManager } from '@mikro-orm/core';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { User } from '../entities/user.js';

const BATCH = 100;

/**
 * Ends suspensions at their end time: a periodic sweep, and a check at sign-in so an
 * expired suspension never blocks a login before the sweep gets to it. The lift is a
 * conditional UPDATE (still SUSPENDED, end passed) in the transaction that stages
 * `user.status_changed`, so with several replicas sweeping exactly one lifts each user.
 */
export class SuspensionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: { orm: Orm; outbox: OutboxRelay; logger: Logger; intervalMs: number }) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.sweep().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'suspension sweep failed; retrying at the next tick'),
      );
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Lifts every suspension whose end has passed; returns how many this replica lifted. */
  async sweep(): Promise<number> {
    const due = await this.deps.orm.em
      .fork()
      .find(
        User,
        { status: 'SUSPENDED', suspendedUntil: { $lte: new Date() } },
        { fields: ['id'], limit: BATCH, orderBy: { suspendedUntil: 'asc' } },
      );
    let lifted = 0;
    for (const { id } of due) if (await this.lift(id)) lifted += 1;
    return lifted;
  }

  /** At sign-in: the user as they are once an expired suspension is lifted. */
  async liftIfDue(em: EntityManager, user: User): Promise<User> {
    if (user.status !== 'SUSPENDED' || !user.suspendedUntil || user.suspendedUntil > new Date()) return user;
    await this.lift(user.id);
    await em.refresh(user);
    return user;
  }

  private async lift(userId: string): Promise<boolean> {
    const now = new Date();
    const lifted = await this.deps.orm.em.fork().transactional(async (tx) => {
      const changed = await tx.nativeUpdate(
        User,
        { id: userId, status: 'SUSPENDED', suspendedUntil: { $lte: now } },
        { status: 'ACTIVE', suspendedUntil: null, sanctionCaseId: null, statusChangedAt: now, updatedAt: now },
      );
      // 0: another replica (or a newer decision) got there first.
      if (changed === 0) return false;
      stageEvent(tx, 'user.status_changed', {
        userId,
        actorId: null,
        payload: { from: 'SUSPENDED', to: 'ACTIVE', reason: 'suspension ended' },
      });
      return true;
    });
    if (lifted) this.deps.outbox.kick();
    return lifted;
  }
}
