import { stageEvent } from '../../../platform/events/outbox.js';
import { Priority, type ModerationAction, type ModerationCase } from '../entities/moderation-case.js';
import type { RowSink } from './batch-rows.js';
import { recordHistory } from './history.js';
import type { ModerationMetrics } from './metrics.js';

export interface Decision {
  status: 'APPROVED' | 'REJECTED';
  action: ModerationAction;
  reason: string | null;
  /** null: automatic. */
  decidedBy: string | null;
  suspendUntil: Date | null;
  /** Confirms a rejection after an appeal. */
  appeal?: boolean;
}

/**
 * Applies a decision to a locked case and stages `moderation.decided` in the same
 * transaction, so every decision that is stored also goes out on moderation-decisions. Its
 * history row and outbox message go to `rows`: the transaction's unit of work, or a batch's rows.
 */
export function recordDecision(rows: RowSink, c: ModerationCase, d: Decision, metrics: ModerationMetrics): void {
  const now = new Date();
  const automatic = d.decidedBy === null;
  c.status = d.status;
  c.action = d.action;
  c.reason = d.reason;
  c.decidedBy = d.decidedBy;
  c.decidedAt = now;
  c.automatic = automatic;
  c.suspendUntil = d.suspendUntil;
  c.priority = Priority.normal;
  c.claimedBy = null;
  c.claimedUntil = null;
  if (!c.firstDecision) {
    c.firstDecision = automatic ? (d.status === 'APPROVED' ? 'AUTO_APPROVE' : 'AUTO_REJECT') : 'HUMAN';
    c.firstDecidedAt = now;
  }
  if (d.status === 'REJECTED' && !d.appeal) c.rejectedBy = d.decidedBy;
  const kind = d.appeal
    ? 'APPEAL_UPHELD'
    : automatic
      ? d.status === 'APPROVED'
        ? 'AUTO_APPROVED'
        : 'AUTO_REJECTED'
      : d.status;
  recordHistory(rows, c.id, kind, d.decidedBy, [d.action, d.reason].filter(Boolean).join(': ') || null);
  stageEvent(rows, 'moderation.decided', {
    userId: c.authorId ?? d.decidedBy ?? c.id,
    actorId: d.decidedBy,
    payload: {
      caseId: c.id,
      contentType: c.contentType,
      contentId: c.contentId,
      authorId: c.authorId ?? null,
      status: d.status,
      action: d.action,
      suspendUntil: d.suspendUntil?.toISOString() ?? null,
      reason: d.reason,
      automatic,
      decidedBy: d.decidedBy,
      appeal: d.appeal ?? false,
    },
  });
  metrics.decisions.inc({
    outcome: d.status,
    mode: d.appeal ? 'appeal' : automatic ? 'automatic' : 'human',
    provider: c.provider,
    content_type: c.contentType,
  });
}
