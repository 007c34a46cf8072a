import { Topic, type EventType } from '../../schema/events/contracts.js';
import { consumerOf } from '../../platform/events/typed-consumer.js';

/**
 * Events of the companions subgraph (contracts in schema/events/contracts.ts). It writes
 * these through the outbox, consumes `user-lifecycle` to know account statuses
 * (services/account-statuses.ts) and `moderation-decisions` to enforce decisions on messages and
 * companions (services/moderation-enforcement.ts); each handles exactly the types declared here.
 */
export const publishes = [
  'companion.created',
  'companion.deleted',
  'conversation.started',
  'message.sent',
  'message.received',
  'content.posted',
  'user.erasure_completed',
  'user.export_part',
] as const satisfies readonly EventType[];

export const accountStatusEvents = consumerOf({
  groupId: 'companions.account-statuses',
  topic: Topic.userLifecycle,
  types: ['user.registered', 'user.status_changed'],
});

/** Plans, for the entitlements enforced here (services/entitlements.ts). */
export const accountPlanEvents = consumerOf({
  groupId: 'companions.account-plans',
  topic: Topic.userLifecycle,
  types: ['user.plan_changed'],
});

export const moderationDecisionEvents = consumerOf({
  groupId: 'companions.moderation-decisions',
  topic: Topic.moderationDecisions,
  types: ['moderation.decided', 'moderation.reversed'],
});

/** Account deletions: this subgraph erases its part and confirms (privacy/erasure-handler.ts). */
export const erasureRequests = consumerOf({
  groupId: 'companions.erasure',
  topic: Topic.userLifecycle,
  types: ['user.erasure_requested'],
});

/** Data exports: this subgraph sends its part (privacy/export-handler.ts). */
export const exportRequests = consumerOf({
  groupId: 'companions.export',
  topic: Topic.userLifecycle,
  types: ['user.export_requested'],
});

export const consumers = [
  accountStatusEvents,
  accountPlanEvents,
  moderationDecisionEvents,
  erasureRequests,
  exportRequests,
] as const;
