import { Topic, type EventType } from '../../schema/events/contracts.js';
import { consumerOf } from '../../platform/events/typed-consumer.js';

/**
 * Events of the moderation subgraph (contracts in schema/events/contracts.ts). It writes its
 * decisions through the outbox; it reads content to classify from `content-events`
 * (services/intake-service.ts) and authors' roles from `user-lifecycle` (services/roles.ts).
 */
export const publishes = [
  'moderation.decided',
  'moderation.reversed',
  'user.erasure_completed',
  'user.export_part',
] as const satisfies readonly EventType[];

export const contentEvents = consumerOf({
  groupId: 'moderation.content',
  topic: Topic.content,
  types: ['content.posted'],
});

export const roleEvents = consumerOf({
  groupId: 'moderation.account-roles',
  topic: Topic.userLifecycle,
  types: ['user.registered'],
});

/** Account deletions: this subgraph erases its part and confirms (privacy/erasure-handler.ts). */
export const erasureRequests = consumerOf({
  groupId: 'moderation.erasure',
  topic: Topic.userLifecycle,
  types: ['user.erasure_requested'],
});

/** Data exports: this subgraph sends its part (privacy/export-handler.ts). */
export const exportRequests = consumerOf({
  groupId: 'moderation.export',
  topic: Topic.userLifecycle,
  types: ['user.export_requested'],
});

export const consumers = [contentEvents, roleEvents, erasureRequests, exportRequests] as const;
