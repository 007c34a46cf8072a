import { Topic, type EventType } from '../../schema/events/contracts.js';
import { consumerOf } from '../../platform/events/typed-consumer.js';

/**
 * Events of the analytics subgraph (contracts in schema/events/contracts.ts). It writes the
 * events clients track (trackEvent) through its outbox, and reads everything on
 * `analytics-events` in batches (services/ingest-service.ts).
 */
export const publishes = [
  'client.tracked',
  'user.erasure_completed',
  'user.export_part',
] as const satisfies readonly EventType[];

export const analyticsEvents = consumerOf({
  groupId: 'analytics.ingest',
  topic: Topic.analytics,
  types: [
    'user.registered',
    'user.login',
    'user.logout',
    'user.status_changed',
    'user.consent_changed',
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

/** Account deletions: pseudonymise and confirm (privacy/erasure-handler.ts). */
export const erasureRequests = consumerOf({
  groupId: 'analytics.erasure',
  topic: Topic.userLifecycle,
  types: ['user.erasure_requested'],
});

/** Data exports: this subgraph sends its part (privacy/export-handler.ts). */
export const exportRequests = consumerOf({
  groupId: 'analytics.export',
  topic: Topic.userLifecycle,
  types: ['user.export_requested'],
});

export const consumers = [analyticsEvents, erasureRequests, exportRequests] as const;
