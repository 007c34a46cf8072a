import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { RequestScope } from '../../../platform/context.js';
import { badInput } from '../../../platform/errors.js';
import { ContentReport } from '../entities/content-report.js';
import { CONTENT_TYPES, ModerationCase, Priority, type ContentType } from '../entities/moderation-case.js';
import type { ModerationSettings } from '../settings.js';
import { conflict, requireViewer, text } from './access.js';
import { recordHistory } from './history.js';
import type { QueueUpdate, QueueUpdates } from './queue-updates.js';
import type { AccountRoles } from './roles.js';

export interface ReportInput {
  contentType: ContentType;
  contentId: string;
  reason: string;
  details?: string | null;
}

/**
 * Reports from signed-in users: one per user per content (a repeat is accepted, not counted),
 * never on one's own content; enough distinct reporters escalate the case to the top of the queue.
 */
export class ReportService {
  constructor(private readonly deps: { queue: QueueUpdates; roles: AccountRoles; settings: ModerationSettings }) {}

  async report(scope: RequestScope, input: ReportInput): Promise<boolean> {
    const viewer = requireViewer(scope.identity);
    if (!CONTENT_TYPES.includes(input.contentType)) throw badInput('Unknown content type', 'contentType');
    const contentId = text(input.contentId, 'contentId', 128, true)!;
    const reason = text(input.reason, 'reason', 64, true)!;
    const details = text(input.details, 'details', 2000, false);
    await this.deps.roles.observe(scope.em, viewer);
    let updates: Omit<QueueUpdate, 'occurredAt'>[];
    try {
      updates = await this.record(scope, viewer.userId, input.contentType, contentId, reason, details);
    } catch (error) {
      // The content's own case (or another first report) was created at the same moment: report on that one.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      updates = await this.record(scope, viewer.userId, input.contentType, contentId, reason, details);
    }
    for (const update of updates) await this.deps.queue.publish(update);
    return true;
  }

  private async record(
    scope: RequestScope,
    reporterId: string,
    contentType: ContentType,
    contentId: string,
    reason: string,
    details: string | null,
  ): Promise<Omit<QueueUpdate, 'occurredAt'>[]> {
    const updates: Omit<QueueUpdate, 'occurredAt'>[] = [];
    await scope.em.fork().transactional(async (tx) => {
      const where = { contentType, contentId };
      let c = await tx.findOne(ModerationCase, where, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!c) {
        // Reported before (or without) its content event: a case of its own, for the humans.
        c = tx.create(ModerationCase, { ...where, status: 'PENDING', source: 'REPORT' });
        recordHistory(tx, c.id, 'CREATED', reporterId, 'REPORT');
        updates.push({ kind: 'QUEUED', caseId: c.id, status: c.status, actorId: null });
      }
      if (c.authorId === reporterId) throw conflict('You cannot report your own content', 'SELF_REPORT');
      const repeat = await tx.findOne(ContentReport, { caseId: c.id, reporterId });
      if (repeat) return;
      tx.persist(tx.create(ContentReport, { caseId: c.id, reporterId, reason, details }));
      c.reportCount += 1;
      recordHistory(tx, c.id, 'REPORTED', reporterId, reason);
      const escalates = c.status === 'PENDING' || c.status === 'APPROVED';
      if (escalates && c.reportCount >= this.deps.settings.escalationReports) {
        c.status = 'ESCALATED';
        c.priority = Priority.escalated;
        recordHistory(tx, c.id, 'ESCALATED', null, `${c.reportCount} reporters`);
        updates.push({ kind: 'ESCALATED', caseId: c.id, status: c.status, actorId: null });
      }
    });
    return updates;
  }
}
