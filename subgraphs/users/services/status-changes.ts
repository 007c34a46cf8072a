import type { EntityManager } from '@mikro-orm/core';
import { BLOCKED_STATUSES, type UserStatus } from '../../../platform/auth/identity.js';
import type { Revocations } from '../../../platform/auth/revocation.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { User } from '../entities/user.js';
import { appendAudit } from '../privacy/audit-log.js';
import type { SessionService } from './session-service.js';

export interface StatusChange {
  to: UserStatus;
  /** Who decided (null: the system). */
  actorId: string | null;
  reason: string | null;
  /** SUSPENDED only: when it ends by itself (null: until lifted). */
  suspendedUntil?: Date | null;
  /** The moderation case behind a sanction (null: set by hand). */
  caseId?: string | null;
}

/** What has to happen once the change is committed: cut tokens off and end live connections. */
export interface Enforcement {
  userId: string;
  cutOffAt: Date | null;
  revokedSessions: string[];
  reason: string;
}

/**
 * The one way a status changes (a moderator by hand, a moderation decision, an appeal):
 * the row, the `user.status_changed` event and, for SUSPENDED/BANNED, every session and
 * token of the user, revoked with the sanction as reason (`status-suspended`, …).
 */
export class StatusChanges {
  constructor(private readonly deps: { sessions: SessionService; revocations: Revocations; outbox: OutboxRelay }) {}

  /** Inside the caller's transaction. */
  async stage(tx: EntityManager, user: User, change: StatusChange): Promise<Enforcement> {
    const from = user.status;
    const now = new Date();
    user.status = change.to;
    user.suspendedUntil = change.to === 'SUSPENDED' ? (change.suspendedUntil ?? null) : null;
    user.sanctionCaseId = change.caseId ?? null;
    user.statusChangedAt = now;
    const blocking = BLOCKED_STATUSES.has(change.to);
    if (blocking) user.tokensValidAfter = now;
    tx.persist(user);
    stageEvent(tx, 'user.status_changed', {
      userId: user.id,
      actorId: change.actorId,
      payload: { from, to: change.to, reason: change.reason },
    });
    if (change.actorId !== user.id) {
      appendAudit(tx, {
        category: 'STAFF_ACTION',
        action: 'user.status_changed',
        actorId: change.actorId,
        subjectId: user.id,
        details: { from, to: change.to, reason: change.reason, caseId: change.caseId ?? null },
      });
    }
    const reason = `status-${change.to.toLowerCase()}`;
    const revokedSessions = blocking ? await this.deps.sessions.revokeAll(tx, user, reason) : [];
    return { userId: user.id, cutOffAt: blocking ? now : null, revokedSessions, reason };
  }

  /** After commit: existing tokens stop at once, on every replica, and open sockets close with 4403. */
  async enforce(enforcement: Enforcement): Promise<void> {
    if (enforcement.cutOffAt) {
      await this.deps.revocations.cutOffUser(enforcement.userId, enforcement.cutOffAt, enforcement.reason);
      await this.deps.sessions.announceRevoked(enforcement.revokedSessions, enforcement.reason);
    }
    this.deps.outbox.kick();
  }
}
