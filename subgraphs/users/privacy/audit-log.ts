import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { RequestScope } from '../../../platform/context.js';
import { forbidden, unauthenticated } from '../../../platform/errors.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { KeyValueStore } from '../../../platform/state/shared-state.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../platform/pagination.js';
import { auditedDecisionEvents } from '../events.js';
import { AuditEntry, type AuditCategory } from './audit-entry.js';

export const SIGN_IN_FAILURE_THRESHOLD = 5;
const SIGN_IN_FAILURE_WINDOW_SECONDS = 900;

export interface AuditInput {
  category: AuditCategory;
  action: string;
  actorId?: string | null;
  subjectId?: string | null;
  details?: Record<string, unknown>;
  sourceEventId?: string | null;
}

export interface AuditFilter {
  category?: AuditCategory | null;
  action?: string | null;
  actorId?: string | null;
  subjectId?: string | null;
}

/** Staged in the caller's transaction: the action and its audit line commit together. */
export function appendAudit(tx: EntityManager, input: AuditInput): void {
  tx.persist(
    tx.create(AuditEntry, {
      category: input.category,
      action: input.action,
      actorId: input.actorId ?? null,
      subjectId: input.subjectId ?? null,
      details: input.details ?? {},
      sourceEventId: input.sourceEventId ?? null,
    }),
  );
}

/**
 * The audit log (docs/audit-log.md): appends and reads, nothing else. Moderation's decisions
 * and reversals arrive as events; everything else is appended where it happens.
 */
export class AuditLog {
  constructor(private readonly deps: { orm: Orm; kv: KeyValueStore }) {}

  /** Every SIGN_IN_FAILURE_THRESHOLD-th failed sign-in of an account within the window is audited. */
  async noteSignInFailure(userId: string): Promise<void> {
    const failures = await this.deps.kv.increment(
      `audit:sign-in-failures:${userId}`,
      1,
      SIGN_IN_FAILURE_WINDOW_SECONDS,
    );
    if (failures % SIGN_IN_FAILURE_THRESHOLD !== 0) return;
    await this.recordSecurityEvent(
      'auth.sign_in_failures',
      { failures, windowSeconds: SIGN_IN_FAILURE_WINDOW_SECONDS },
      { subjectId: userId },
    );
  }

  /**
   * Appends one security event on its own (for code outside a transaction, e.g. billing's
   * webhook signature failures: `auditLog.recordSecurityEvent('billing.webhook_signature_failed', {...})`).
   */
  async recordSecurityEvent(
    action: string,
    details: Record<string, unknown> = {},
    who: { actorId?: string | null; subjectId?: string | null } = {},
  ): Promise<void> {
    await this.record({ category: 'SECURITY', action, details, ...who });
  }

  /** Its own transaction; an event already recorded (same source id) appends nothing. */
  async record(input: AuditInput): Promise<void> {
    try {
      await this.deps.orm.em.fork().transactional(async (tx) => appendAudit(tx, input));
    } catch (error) {
      if (input.sourceEventId && error instanceof UniqueConstraintViolationException) return;
      throw error;
    }
  }

  /** Admins only; newest first. */
  async list(scope: RequestScope, filter: AuditFilter, first?: number | null, after?: string | null) {
    const { identity } = scope;
    if (!identity) throw unauthenticated();
    if (identity.role !== 'ADMIN') throw forbidden('Only admins read the audit log');
    const size = pageSize(first);
    const before = decodeCursor(after);
    const where: Record<string, unknown> = {};
    if (filter.category) where.category = filter.category;
    if (filter.action) where.action = filter.action;
    if (filter.actorId) where.actorId = filter.actorId;
    if (filter.subjectId) where.subjectId = filter.subjectId;
    if (before) where.id = { $lt: before };
    const rows = await scope.em.find(AuditEntry, where, { orderBy: { id: 'desc' }, limit: size + 1 });
    return toPage(rows, size) as Page<AuditEntry>;
  }

  /** Moderation decisions, appeals and reversals, from `moderation-decisions`. */
  async startConsumer(bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
    const consumer = await consumeEvents(bus, logger, auditedDecisionEvents, {
      'moderation.decided': (event) =>
        this.record({
          category: 'STAFF_ACTION',
          action: event.payload.appeal ? 'moderation.appeal_decided' : 'moderation.decided',
          actorId: event.payload.decidedBy,
          subjectId: event.payload.authorId,
          sourceEventId: event.id,
          details: {
            caseId: event.payload.caseId,
            contentType: event.payload.contentType,
            status: event.payload.status,
            action: event.payload.action,
            automatic: event.payload.automatic,
            suspendUntil: event.payload.suspendUntil,
          },
        }),
      'moderation.reversed': (event) =>
        this.record({
          category: 'STAFF_ACTION',
          action: 'moderation.reversed',
          actorId: event.payload.decidedBy,
          subjectId: event.payload.authorId,
          sourceEventId: event.id,
          details: {
            caseId: event.payload.caseId,
            contentType: event.payload.contentType,
            reversedAction: event.payload.reversedAction,
          },
        }),
    });
    return () => consumer.close();
  }
}
