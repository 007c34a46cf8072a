import { Topic, type EventType } from '../../schema/events/contracts.js';
import { consumerOf } from '../../platform/events/typed-consumer.js';

/**
 * Events of the analytics subgraph (contracts in schema/events/contracts.ts). It writes the
 * events clients track (trackEvent) through its outbox, and reads everything on
 * `analytics-events` in batches (services/ingest-service.ts).
 */
export const publishes = ['client.tracked'] as const satisfies readonly EventType[];

export const analyticsEvents = consumerOf({
  groupId: 'analytics.ingest',
  topic: Topic.analytics,
  types: [
    'user.registered',
    'user.login',
    'user.logout',
    'user.status_changed',
    'companion.created',
    'companion.deleted',
    'conversation.started',
    'message.sent',
    'message.received',
    'subscription.created',
    'subscription.cancelled',
    'payment.completed',
    'payment.failed',
    'media.uploaded',
    'client.tracked',
  ],
});

export const consumers = [analyticsEvents] as const;
