import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Orm } from '../../../platform/orm.js';
import type { AnalyticsEvent } from '../services/ingest-service.js';
import { AnalyticsConsent } from './consent-state.js';

/**
 * What the ANALYTICS consent means here (docs/privacy.md, "Consent"):
 * - events a client tracked (`client.tracked`) of a user without consent are dropped;
 * - operational events (registration, sign-in, messages, payments...) are kept for the
 *   product's figures, but with the user's id (and actor id, when the user acted) replaced by
 *   a random pseudonym kept in `analytics_consents`;
 * - users the projection has never heard of (events from before consents existed) are kept as
 *   they are.
 * The consent is read from the same ordered stream as the events, so a change applies from
 * the next event of that user on.
 */
export class ConsentGate {
  constructor(private readonly deps: { orm: Orm }) {}

  /** True unless the user refused (or withdrew) ANALYTICS: trackEvent drops the events then. */
  async allowsTracking(em: EntityManager, userId: string): Promise<boolean> {
    const state = await em.findOne(AnalyticsConsent, { userId });
    return !state || state.granted;
  }

  /** Applies consent to a batch in order; persists the consent changes the batch carried. */
  async filter(events: AnalyticsEvent[]): Promise<AnalyticsEvent[]> {
    if (!events.length) return events;
    const em = this.deps.orm.em.fork();
    const userIds = [...new Set(events.map((event) => event.userId))];
    const known = new Map(
      (await em.find(AnalyticsConsent, { userId: { $in: userIds } })).map((row) => [row.userId, row]),
    );
    const changed = new Set<AnalyticsConsent>();
    const set = (userId: string, granted: boolean) => {
      let row = known.get(userId);
      if (!row) {
        row = em.create(AnalyticsConsent, { userId, granted, pseudonym: randomUUID() });
        known.set(userId, row);
      }
      if (!row.erased) row.granted = granted;
      row.updatedAt = new Date();
      changed.add(row);
    };
    const kept: AnalyticsEvent[] = [];
    for (const event of events) {
      if (event.type === 'user.registered' && event.payload.analyticsConsent !== undefined) {
        set(event.userId, event.payload.analyticsConsent);
      } else if (event.type === 'user.consent_changed' && event.payload.purpose === 'ANALYTICS') {
        set(event.userId, event.payload.granted);
      }
      const row = known.get(event.userId);
      if (!row || row.granted) kept.push(event);
      else if (event.type !== 'client.tracked') kept.push(pseudonymise(event, row.pseudonym));
    }
    if (changed.size) {
      for (const row of changed) em.persist(row);
      await em.flush();
    }
    return kept;
  }
}

function pseudonymise(event: AnalyticsEvent, pseudonym: string): AnalyticsEvent {
  return { ...event, userId: pseudonym, actorId: event.actorId === event.userId ? pseudonym : event.actorId };
}
