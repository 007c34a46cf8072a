import { Gauge, type Registry } from 'prom-client';
import type { Orm } from '../orm.js';
import { OutboxMessage } from './outbox-message.js';

/**
 * Events committed but not yet published, and how long the oldest has waited: a broker
 * outage or a stuck relay shows here before consumers notice (OutboxBacklogOld alert).
 * Read from the outbox table at scrape time (the pending index keeps it cheap).
 */
export function registerOutboxMetrics(orm: Orm, registry: Registry): void {
  const age = new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest unpublished outbox row (0 when none is pending)',
    registers: [],
  });
  const pending = new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox rows not yet published to the event bus',
    registers: [],
    async collect() {
      const em = orm.em.fork();
      // A database outage must not fail the whole scrape: the last values stay.
      const [count, oldest] = await Promise.all([
        em.count(OutboxMessage, { publishedAt: null }),
        em.findOne(OutboxMessage, { publishedAt: null }, { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] }),
      ]).catch(() => [undefined, undefined] as const);
      if (count === undefined) return;
      this.set(count);
      age.set(oldest ? Math.max(0, (Date.now() - oldest.createdAt.getTime()) / 1000) : 0);
    },
  });
  // Collected in this order, so the age is the one the count's query just read.
  registry.registerMetric(pending);
  registry.registerMetric(age);
}
