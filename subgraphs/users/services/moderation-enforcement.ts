import { LockMode, type EntityManager } from '@mikro-orm/core';
import type { UserStatus } from '../../../platform/auth/identity.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { stageEvent } from '../../../platform/events/outbox.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { EventEnvelope } from '../../../schema/events/contracts.js';
import { User } from '../entities/user.js';
import { moderationDecisionEvents } from '../events.js';
import type { Enforcement, StatusChange, StatusChanges } from './status-changes.js';

/** What a display name removed by moderation becomes: neutral, and still tells users apart. */
export const placeholderName = (userId: string) => `User ${userId.replace(/-/g, '').slice(-4)}`;

/** How far each status goes: a decision never lowers it (a warning does not lift a ban). */
const SEVERITY: Record<UserStatus, number> = { ACTIVE: 0, WARNED: 1, SUSPENDED: 2, BANNED: 3, DELETED: 4 };

/**
 * Enforces moderation decisions on accounts: WARN_USER → WARNED, SUSPEND_USER →
 * SUSPENDED until its end, BAN_USER → BANNED, DELETE_CONTENT on a USER_PROFILE → the
 * display name reset; `moderation.reversed` undoes what it reverses. Idempotent by event
 * id (recorded in the transaction that applies it); a decision older than the user's
 * last status change leaves the status alone.
 */
export class ModerationEnforcement {
  constructor(private readonly deps: { orm: Orm; statuses: StatusChanges }) {}

  async decided(event: EventEnvelope<'moderation.decided'>): Promise<void> {
    const p = event.payload;
    if (p.status !== 'REJECTED' || !p.authorId) return;
    const authorId = p.authorId;
    await this.apply(event.id, authorId, async (tx, user) => {
      if (p.action === 'DELETE_CONTENT' && p.contentType === 'USER_PROFILE' && p.contentId === user.id) {
        this.resetDisplayName(tx, user, p.decidedBy, p.caseId);
        return null;
      }
      const change = sanctionOf(user, p);
      if (!change || isOlder(user, event)) return null;
      return this.deps.statuses.stage(tx, user, { ...change, actorId: p.decidedBy, caseId: p.caseId });
    });
  }

  async reversed(event: EventEnvelope<'moderation.reversed'>): Promise<void> {
    const p = event.payload;
    if (!p.authorId) return;
    await this.apply(event.id, p.authorId, async (tx, user) => {
      if (p.reversedAction === 'DELETE_CONTENT' && p.contentType === 'USER_PROFILE') {
        this.restoreDisplayName(tx, user, p.decidedBy);
        return null;
      }
      const lifted = { WARN_USER: 'WARNED', SUSPEND_USER: 'SUSPENDED', BAN_USER: 'BANNED' }[p.reversedAction as string];
      // Only the sanction this case imposed: a newer one (another case, or by hand) stays.
      if (!lifted || user.status !== lifted || user.sanctionCaseId !== p.caseId) return null;
      return this.deps.statuses.stage(tx, user, {
        to: 'ACTIVE',
        actorId: p.decidedBy,
        reason: p.reason ?? 'appeal upheld: decision overturned',
      });
    });
  }

  async startConsumer(bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, moderationDecisionEvents, {
      'moderation.decided': (event) => this.decided(event),
      'moderation.reversed': (event) => this.reversed(event),
    });
    return () => consumer.close();
  }

  /** Runs `change` on the locked user once per event id; enforces after commit. */
  private async apply(
    eventId: string,
    userId: string,
    change: (tx: EntityManager, user: User) => Promise<Enforcement | null>,
  ): Promise<void> {
    const enforcement = await this.deps.orm.em.fork().transactional(async (tx) => {
      const claimed = await tx.getConnection().execute(
        'insert into "processed_decisions" ("event_id", "processed_at") values (?, ?) on conflict do nothing',
        [eventId, new Date()],
        'run',
        // In this transaction: on PGlite's single connection anything else would wait for it forever.
        tx.getTransactionContext(),
      );
      if (claimed.affectedRows === 0) return null; // a redelivery
      const user = await tx.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user || user.status === 'DELETED') return null;
      return change(tx, user);
    });
    if (enforcement) await this.deps.statuses.enforce(enforcement);
  }

  private resetDisplayName(tx: EntityManager, user: User, actorId: string | null, caseId: string): void {
    const placeholder = placeholderName(user.id);
    if (user.displayName === placeholder) return;
    user.removedDisplayName = user.displayName;
    user.displayName = placeholder;
    tx.persist(user);
    stageEvent(tx, 'user.profile_updated', {
      userId: user.id,
      actorId,
      payload: { fields: ['displayName'], moderationCaseId: caseId },
    });
  }

  private restoreDisplayName(tx: EntityManager, user: User, actorId: string): void {
    // Restored only while the placeholder stands: a name the user chose since wins.
    if (!user.removedDisplayName || user.displayName !== placeholderName(user.id)) return;
    user.displayName = user.removedDisplayName;
    user.removedDisplayName = null;
    tx.persist(user);
    stageEvent(tx, 'user.profile_updated', { userId: user.id, actorId, payload: { fields: ['displayName'] } });
  }
}

/** The status a decision asks for, or null when it changes nothing (already as severe, or expired). */
function sanctionOf(
  user: User,
  p: EventEnvelope<'moderation.decided'>['payload'],
): Omit<StatusChange, 'actorId' | 'caseId'> | null {
  const reason = p.reason ?? 'moderation decision';
  if (p.action === 'WARN_USER')
    return SEVERITY[user.status as UserStatus] < SEVERITY.WARNED ? { to: 'WARNED', reason } : null;
  if (p.action === 'BAN_USER') return user.status !== 'BANNED' ? { to: 'BANNED', reason } : null;
  if (p.action !== 'SUSPEND_USER' || user.status === 'BANNED') return null;
  const until = p.suspendUntil ? new Date(p.suspendUntil) : null;
  if (until && until <= new Date()) return null;
  // Already suspended: a later end extends it, an earlier one changes nothing.
  if (user.status === 'SUSPENDED' && (!user.suspendedUntil || (until && until <= user.suspendedUntil))) return null;
  return { to: 'SUSPENDED', reason, suspendedUntil: until };
}

function isOlder(user: User, event: EventEnvelope): boolean {
  return user.statusChangedAt != null && new Date(event.occurredAt) < user.statusChangedAt;
}
