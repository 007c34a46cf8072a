import type { EventBus } from '../../../platform/events/event-bus.js';
import { answerExportRequests } from '../../../platform/events/export-parts.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { HistoryEvent } from '../entities/history-event.js';
import { exportRequests } from '../events.js';

/**
 * The analytics part of a data export (docs/privacy.md, "Export"): every event kept under the
 * user's id, oldest first, with its properties. Events kept under a pseudonym (without
 * ANALYTICS consent, or after an erasure) cannot be tied back to the user and are not included.
 */
export async function gatherAnalyticsData(orm: Orm, userId: string) {
  const events = await orm.em.fork().find(HistoryEvent, { userId }, { orderBy: { occurredAt: 'asc', id: 'asc' } });
  return {
    events: events.map((event) => ({
      id: event.id,
      type: event.type,
      occurredAt: event.occurredAt,
      properties: event.properties,
    })),
  };
}

export async function startAnalyticsExport(orm: Orm, bus: EventBus, logger: Logger) {
  const consumer = await answerExportRequests(bus, logger, exportRequests, 'analytics', (userId) =>
    gatherAnalyticsData(orm, userId),
  );
  return () => consumer.close();
}
