import type { EventBus } from '../../../platform/events/event-bus.js';
import { answerExportRequests } from '../../../platform/events/export-parts.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { ContentReport } from '../entities/content-report.js';
import { ModerationCase } from '../entities/moderation-case.js';
import { exportRequests } from '../events.js';

/**
 * The moderation part of a data export (docs/privacy.md, "Export"): cases about the user's
 * content (the content as held, the decision and its reason, the appeal), the appeals among
 * them, and the reports the user filed. Left out: who on the staff decided, their internal
 * notes, and anything about the reported content (it belongs to someone else).
 */
export async function gatherModerationData(orm: Orm, userId: string) {
  const em = orm.em.fork();
  const cases = await em.find(ModerationCase, { authorId: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const reports = await em.find(ContentReport, { reporterId: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return {
    cases: cases.map((c) => ({
      id: c.id,
      contentType: c.contentType,
      contentId: c.contentId,
      contentText: c.contentText ?? null,
      conversationId: c.conversationId ?? null,
      status: c.status,
      action: c.action ?? null,
      reason: c.reason ?? null,
      categories: c.categories,
      automatic: c.automatic,
      decidedAt: c.decidedAt ?? null,
      suspendUntil: c.suspendUntil ?? null,
      createdAt: c.createdAt,
    })),
    appeals: cases
      .filter((c) => c.appealedAt)
      .map((c) => ({
        caseId: c.id,
        reason: c.appealReason ?? null,
        appealedAt: c.appealedAt,
        outcome: c.appealOutcome ?? null,
        resolvedAt: c.appealResolvedAt ?? null,
      })),
    reports: reports.map((report) => ({
      id: report.id,
      caseId: report.caseId,
      reason: report.reason,
      details: report.details ?? null,
      createdAt: report.createdAt,
    })),
  };
}

export async function startModerationExport(orm: Orm, bus: EventBus, logger: Logger) {
  const consumer = await answerExportRequests(bus, logger, exportRequests, 'moderation', (userId) =>
    gatherModerationData(orm, userId),
  );
  return () => consumer.close();
}
