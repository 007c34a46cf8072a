import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../../platform/events/event-bus.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import { consumeEvents } from '../../../platform/events/typed-consumer.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { eventCatalog } from '../../../schema/events/contracts.js';
import { erasureRequests } from '../events.js';
import { AnalyticsConsent } from './consent-state.js';

/** Tables keyed by user id besides the history; their rows move to the pseudonym. */
const USER_TABLES = [
  'analytics_user_daily',
  'analytics_daily_users',
  'analytics_user_months',
  'analytics_user_type_months',
  'analytics_users',
  'analytics_sessions',
  'analytics_subscriptions',
];
const SERVER_TYPES = Object.keys(eventCatalog);

/**
 * The analytics part of an erasure (docs/privacy.md): the user id becomes a random pseudonym
 * everywhere (history, per-user rollups), so every aggregate keeps its figures; the properties
 * of events the client tracked (free-form, maybe typed by the user) are emptied; the consent
 * projection remembers the pseudonym so that events still in flight land on it too.
 */
export async function eraseAnalyticsData(orm: Orm, outbox: OutboxRelay, userId: string): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    // Inside the transaction: a statement outside it would wait for it on the embedded
    // database's single connection, and the transaction would wait for the statement.
    const sql = {
      execute: (query: string, params: unknown[]) =>
        tx.getConnection().execute(query, params, 'run', tx.getTransactionContext()),
    };
    const existing = await tx.findOne(AnalyticsConsent, { userId });
    const pseudonym = existing?.pseudonym ?? randomUUID();
    if (existing) {
      existing.granted = false;
      existing.erased = true;
    } else {
      tx.persist(tx.create(AnalyticsConsent, { userId, granted: false, erased: true, pseudonym }));
    }
    const placeholders = SERVER_TYPES.map(() => '?').join(', ');
    await sql.execute(
      `update analytics_events set properties = '{}'::json where user_id = ? and type not in (${placeholders})`,
      [userId, ...SERVER_TYPES],
    );
    await sql.execute(`update analytics_events set actor_id = ? where actor_id = ?`, [pseudonym, userId]);
    await sql.execute(`update analytics_events set user_id = ? where user_id = ?`, [pseudonym, userId]);
    for (const table of USER_TABLES) {
      await sql.execute(`update ${table} set user_id = ? where user_id = ?`, [pseudonym, userId]);
    }
    await sql.execute(`delete from outbox where key = ? and published_at is not null`, [userId]);
    stageEvent(tx, 'user.erasure_completed', { userId, actorId: null, payload: { subgraph: 'analytics' } });
  });
  outbox.kick();
}

export async function startAnalyticsErasure(orm: Orm, outbox: OutboxRelay, bus: EventBus, logger: Logger) {
  const consumer = await consumeEvents(bus, logger, erasureRequests, {
    'user.erasure_requested': (event) => eraseAnalyticsData(orm, outbox, event.userId),
  });
  return () => consumer.close();
}
