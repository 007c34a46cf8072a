import { OutboxMessage } from '../../../platform/events/outbox-message.js';

/**
 * Entities of the analytics database: only the outbox. History and rollups are written and
 * read with set-based SQL (services/rollups.ts), never row by row, so they live in the
 * migrations alone (the events table is partitioned, which the ORM cannot describe).
 */
export const analyticsEntities = [OutboxMessage];
