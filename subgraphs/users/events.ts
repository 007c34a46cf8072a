import { Topic, type EventType } from '../../schema/events/contracts.js';
import { consumerOf } from '../../platform/events/typed-consumer.js';

/**
 * Events of the users subgraph (contracts in schema/events/contracts.ts), all written
 * through the outbox. Display names go out as `content.posted` (USER_PROFILE) so that
 * moderation classifies them; moderation's decisions come back on `moderation-decisions`
 * (services/moderation-enforcement.ts handles exactly the types declared here).
 */
export const publishes = [
  'user.registered',
  'user.login',
  'user.logout',
  'user.password_changed',
  'user.profile_updated',
  'user.status_changed',
  'content.posted',
  // Billing (billing/billing-webhooks.ts), from Stripe's webhooks.
  'user.plan_changed',
  'subscription.created',
  'subscription.cancelled',
  'payment.completed',
  'payment.failed',
  'user.consent_changed',
  'user.erasure_requested',
  'user.export_requested',
  'user.export_part',
] as const satisfies readonly EventType[];

export const moderationDecisionEvents = consumerOf({
  groupId: 'users.moderation-decisions',
  topic: Topic.moderationDecisions,
  types: ['moderation.decided', 'moderation.reversed'],
});

/** The audit log's own group: every decision and reversal becomes an audit line (privacy/audit-log.ts). */
export const auditedDecisionEvents = consumerOf({
  groupId: 'users.audit',
  topic: Topic.moderationDecisions,
  types: ['moderation.decided', 'moderation.reversed'],
});

/** Other subgraphs confirming their part of an erasure (privacy/erasure-service.ts). */
export const erasureConfirmations = consumerOf({
  groupId: 'users.erasure-confirmations',
  topic: Topic.userLifecycle,
  types: ['user.erasure_completed'],
});

/** Data exports: the users part, like every other subgraph's (privacy/export-handler.ts). */
export const exportRequests = consumerOf({
  groupId: 'users.export',
  topic: Topic.userLifecycle,
  types: ['user.export_requested'],
});

/** Every subgraph's part of an export, assembled here into the archive (privacy/export-service.ts). */
export const exportParts = consumerOf({
  groupId: 'users.export-parts',
  topic: Topic.userLifecycle,
  types: ['user.export_part'],
});

export const consumers = [
  moderationDecisionEvents,
  auditedDecisionEvents,
  erasureConfirmations,
  exportRequests,
  exportParts,
] as const;
