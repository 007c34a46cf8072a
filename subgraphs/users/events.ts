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

export const consumers = [moderationDecisionEvents, auditedDecisionEvents, erasureConfirmations] as const;
