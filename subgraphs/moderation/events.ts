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

export const consumers = [contentEvents, roleEvents, erasureRequests] as const;
